"""Wording for the sentences estate writes for people, and the one vocabulary of the states it
shows: support phases, blast radius, contract status, dispositions and suppliers. The CLI, the
terminal UI, the workbook, markdown and json all take these words from here, so a state is
called the same wherever it is read."""

from __future__ import annotations

import re
from functools import lru_cache


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """A count and its noun, singular only for one: "1 system", "3 systems", "0 systems";
    `plural` for a noun that does not just add an s."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


# Support phases of a release, as the portfolio counts them and the changes report them.
SUPPORTED = "Supported"
PAID_EXTENDED = "Paid extended support"
OUT_OF_SUPPORT = "Out of support"
NOT_KNOWN = "Not known"
SUPPORT_PHASES = (OUT_OF_SUPPORT, PAID_EXTENDED, SUPPORTED, NOT_KNOWN)
"""Every support phase, worst first."""

# Contract status, by how long a support contract has left.
CONTRACT_ENDED = "Already ended"


def contract_within(months: int) -> str:
    """The status of a contract ending within `months`: "Within 6 months"."""
    return f"Within {months} months"


def blast_radius(total: int, direct: int, critical: int, departments: int) -> str:
    """How many systems depend on one, in the same words everywhere: "3 systems depend on it
    (1 directly, 0 critical, 2 departments)"."""
    verb = "depends" if total == 1 else "depend"
    return (
        f"{counted(total, 'system')} {verb} on it ({direct:,} directly, {critical:,} critical, "
        f"{counted(departments, 'department')})"
    )


def criterion_short(code: str, name: str, evidence: str) -> str:
    """A likelihood criterion in a few words for a headline, saying what state it is in: a
    contract that ends in four months is an ending contract, not an expired one."""
    if code == "L2":
        if evidence.startswith("contract ended"):
            return "L2 vendor contract expired"
        if evidence.startswith("contract ends"):
            return "L2 vendor contract ending"
        return "L2 vendor contract risk"
    return f"{code} {name.lower()}"


DISPOSITIONS: dict[str, str] = {
    "Retire": "Retire: switch it off",
    "Retain": "Retain and modernise in place",
    "Rehost": "Move to cloud as it is (rehost)",
    "Relocate": "Move its hosting as it is (relocate)",
    "Replatform": "Move onto supported technology (replatform)",
    "Repurchase": "Replace with a bought service (repurchase)",
    "Refactor": "Re-architect it (refactor)",
}
"""Each of the 7 Rs (`estate.enums.Disposition`, by value) as a board reads it."""

NO_SUGGESTION = "No suggestion yet: too little data"

IN_HOUSE = "In-house"
"""The supplier of a system its department supports itself."""

_IN_HOUSE_WORDS = frozenset({"in house", "inhouse", "internal", "in house team", "internally"})


@lru_cache(maxsize=65_536)  # an estate names a few thousand suppliers, each many times
def supplier_name(text: str | None) -> str:
    """A supplier as it is counted: spaces tidied, and every way of writing in-house ("In
    house", "in-house", "Inhouse") as one; "" for none."""
    tidy = " ".join((text or "").split())
    if _supplier_key(tidy) in _IN_HOUSE_WORDS:
        return IN_HOUSE
    return tidy


def _supplier_key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9&]+", " ", text.casefold()).split())


@lru_cache(maxsize=65_536)
def supplier_key(text: str | None) -> str:
    """What suppliers are told apart by: case, punctuation and spacing aside ("Capgemini UK
    plc" and "CapGemini UK PLC" are one)."""
    return _supplier_key(supplier_name(text))
