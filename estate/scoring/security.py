"""Secure-by-design gaps: which CAF and Secure by Design principles a system does not achieve,
as assessed in its return or shown by inventory evidence, each with a severity."""

from __future__ import annotations

import datetime as dt
from typing import Any

from estate.enums import Outcome, Principle, SignIn
from estate.scoring.facts import Assessment, ComponentFact, SystemFacts
from estate.scoring.policy import Policy
from estate.scoring.results import Gap, Severity, uk_date
from estate.words import counted

PEN_TEST_DAYS_PER_MONTH = 30.4375
"""A month's mean length in days (365.25 / 12), by which the penetration test's months are
counted back from the as-of date."""


def _months_ago(as_of: dt.date, months: int) -> dt.date:
    return as_of - dt.timedelta(days=round(months * PEN_TEST_DAYS_PER_MONTH))


def pen_test_due(row: Any, policy: Policy) -> bool:
    """Whether an internet-facing system has had no penetration test within the policy's
    months of the as-of date (a gap under SbD 9)."""
    if not row.internet_facing:
        return False
    months = int(policy.section("security")["pen_test_within_months"])
    return row.last_pen_test is None or row.last_pen_test < _months_ago(policy.as_of, months)


def _derived(facts: SystemFacts, policy: Policy) -> list[Gap]:
    row = facts.row
    gaps: list[Gap] = []
    if not row.business_owner:
        for principle in (Principle.SBD1, Principle.A1):
            gaps.append(Gap(principle, Severity.HIGH, "derived", "no named business (risk) owner"))
    unsupported = [
        c.label + (" (paid extended support only)" if c.on_paid_support(policy.as_of) else "")
        for c in facts.components
        if c.out_of_support(policy.as_of)
    ]
    if unsupported:
        severity = Severity.HIGH if row.internet_facing else Severity.MEDIUM
        evidence = f"out-of-support components: {', '.join(unsupported)}"
        gaps.append(Gap(Principle.SBD2, severity, "derived", evidence))
        gaps.append(Gap(Principle.B4, severity, "derived", evidence))
    if pen_test_due(row, policy):
        months = int(policy.section("security")["pen_test_within_months"])
        when = f"last {uk_date(row.last_pen_test)}" if row.last_pen_test else "none recorded"
        gaps.append(
            Gap(
                Principle.SBD9,
                Severity.HIGH,
                "derived",
                f"internet-facing without a penetration test in {months} months ({when})",
            )
        )
    if row.sign_in is SignIn.OWN_ACCOUNTS:
        severity = Severity.HIGH if row.internet_facing and row.personal_data else Severity.MEDIUM
        gaps.append(
            Gap(
                Principle.B2,
                severity,
                "derived",
                "runs its own sign-in instead of GOV.UK One Login or a directory",
            )
        )
    if row.open_critical_vulns:
        gaps.append(
            Gap(
                Principle.SBD7,
                Severity.HIGH,
                "derived",
                counted(
                    row.open_critical_vulns,
                    "open critical vulnerability",
                    "open critical vulnerabilities",
                ),
            )
        )
    if not any(
        a.principle is Principle.C1 and a.outcome is not Outcome.NOT_ASSESSED
        for a in facts.assessments
    ):
        gaps.append(
            Gap(
                Principle.C1,
                Severity.LOW,
                "derived",
                "no evidence of security monitoring (CAF C1 not assessed)",
            )
        )
    return gaps


_SEVERITY_ORDER = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}
_PRINCIPLE_ORDER = {principle: index for index, principle in enumerate(Principle)}
_GAP_OF = {Outcome.NOT_ACHIEVED: Severity.HIGH, Outcome.PARTIALLY_ACHIEVED: Severity.MEDIUM}
"""The severity of an assessed gap by its outcome (Achieved and Not assessed are none)."""


def _order(gap: Gap) -> tuple[int, int]:
    return _SEVERITY_ORDER[gap.severity], _PRINCIPLE_ORDER[gap.principle]


def _in_order(gaps: list[Gap]) -> tuple[Gap, ...]:
    """The gaps most severe first, then in the principles' order."""
    return tuple(gaps) if len(gaps) < 2 else tuple(sorted(gaps, key=_order))


class GapScorer:
    """`assess_gaps` for one policy, for many systems: each assessed gap is worded once per
    distinct assessment, and each derived gap once per distinct evidence, so systems share
    equal gaps and their order is looked up, not worked out."""

    __slots__ = ("_assessed", "_components", "_derived", "_policy")

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._assessed: dict[int, tuple[Assessment, Gap | None]] = {}
        self._derived: dict[tuple[Any, ...], tuple[list[Gap], tuple[Gap, ...]]] = {}
        """The derived gaps by what they read, and the same in order."""
        self._components: dict[
            tuple[int, ...],
            tuple[tuple[ComponentFact, ...], tuple[tuple[str, bool], ...]],
        ] = {}

    def _of(self, assessment: Assessment) -> Gap | None:
        """The gap an assessment shows (Not or Partially achieved), worded once."""
        outcome = assessment.outcome
        severity = _GAP_OF.get(outcome)
        if severity is None:
            return None
        when = f" on {uk_date(assessment.assessed_on)}" if assessment.assessed_on else ""
        note = f": {assessment.notes}" if assessment.notes else ""
        evidence = f"assessed {outcome.value}{when}{note}"
        return Gap(assessment.principle, severity, "assessed", evidence)

    def gaps(self, facts: SystemFacts) -> tuple[Gap, ...]:
        """What `assess_gaps` gives for the system."""
        gaps: list[Gap] = []
        achieved = set()
        c1_assessed = False  # CAF C1 assessed at all (any outcome but Not assessed)
        memo = self._assessed
        for assessment in facts.assessments:
            outcome = assessment.outcome
            if assessment.principle is Principle.C1 and outcome is not Outcome.NOT_ASSESSED:
                c1_assessed = True
            if outcome is Outcome.ACHIEVED:
                achieved.add(assessment.principle)
                continue
            if type(assessment) is not Assessment:  # not a stored assessment: no memo
                gap = self._of(assessment)
            else:
                # By identity: the entry keeps the (immutable) assessment alive, so no other
                # takes its id while the entry stands; read_facts shares equal assessments.
                entry = memo.get(id(assessment))
                if entry is None:
                    entry = memo[id(assessment)] = (assessment, self._of(assessment))
                gap = entry[1]
            if gap is not None:
                gaps.append(gap)
        row = facts.row
        internet_facing = row.internet_facing
        key = (
            bool(row.business_owner),
            self._unsupported(facts.components),
            bool(internet_facing),
            row.last_pen_test if internet_facing else None,
            row.sign_in is SignIn.OWN_ACCOUNTS,
            bool(row.personal_data),
            row.open_critical_vulns,
            type(row.open_critical_vulns),
            c1_assessed,
        )
        found = self._derived.get(key)
        if found is None:
            derived = _derived(facts, self._policy)
            found = self._derived[key] = (derived, _in_order(derived))
        if not (achieved or gaps):  # the derived gaps alone, in order once per entry
            return found[1]
        assessed = {g.principle for g in gaps}
        gaps.extend(
            gap
            for gap in found[0]
            if gap.principle not in achieved and gap.principle not in assessed
        )
        return _in_order(gaps)

    def _unsupported(self, components: list[ComponentFact]) -> tuple[tuple[str, bool], ...]:
        """The label of each component out of support, and whether it is on paid extended
        support: once per distinct set of components (by identity, kept alive by the entry)."""
        key = tuple(map(id, components))
        found = self._components.get(key)
        if found is None:
            as_of = self._policy.as_of
            found = self._components[key] = (
                tuple(components),
                tuple(
                    (c.label, c.on_paid_support(as_of))
                    for c in components
                    if c.out_of_support(as_of)
                ),
            )
        return found[1]


def gap_scorer(policy: Policy) -> GapScorer:
    """The policy's `GapScorer`, made once and kept with the policy."""
    return policy.memo("gap-scorer", GapScorer)


def assess_gaps(facts: SystemFacts, policy: Policy) -> tuple[Gap, ...]:
    """Assessed gaps (Not / Partially achieved), plus derived gaps for principles the return did
    not assess as Achieved; most severe first."""
    return gap_scorer(policy).gaps(facts)
