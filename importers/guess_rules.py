"""When a guess may send a column somewhere: never to a key, money, the period or a framework
score unless its header says so. A wrong guess there would corrupt what the estate stores (a
disk count as each system's reference, a core count as its run cost), so a resemblance of
spelling is not enough."""

from __future__ import annotations

import re

_KEY_WORDS = frozenset({"ref", "reference", "id", "identifier", "code", "key", "number"})
_NAME_WORDS = frozenset({"name", "title"})
_MONEY_WORDS = frozenset(
    {"cost", "costs", "spend", "price", "budget", "opex", "capex", "charge", "charges", "fee"}
    | {"fees", "gbp", "pounds", "sterling"}
)
_PERIOD_WORDS = frozenset({"period", "quarter", "qtr", "reporting"})
_SCORE = re.compile(r"^(?:[lc][1-7]|score|scores)$")


def says_so(target: str, key: str) -> bool:
    """Whether a header (folded by `header_key`) says it holds a key, money, the period or a
    framework score, as a guess (fuzzy or offered in a mapping file) must before it sends a
    column there: "Number of disks" is no reference, "*Cores" no cost, "Hypervisor" no period,
    "operational_status" no framework score. Any other target may be guessed."""
    words = key.split()
    if target in ("reference", "to_reference"):
        return bool(
            _KEY_WORDS & set(words[-1:]) or {"ref", "reference", "id", "identifier"} & set(words)
        )
    if target == "name":
        return bool(_NAME_WORDS & set(words))
    if target in ("parent", "child"):
        return bool((_KEY_WORDS | _NAME_WORDS) & set(words))
    if target == "annual_run_cost":
        return bool(_MONEY_WORDS & set(words))
    if target == "period":
        return bool(_PERIOD_WORDS & set(words))
    if re.fullmatch(r"[lc][1-7]", target):
        return any(_SCORE.match(word) for word in words)
    return True
