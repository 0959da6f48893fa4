"""Legacy risk by the CDDO Legacy IT Risk Assessment Framework.

Likelihood L1-L7 (1-6) and impact C1-C6 (1-5). A department's self-assessed criterion wins;
where it is missing, it is derived from the inventory by the policy's rules, and where the
inventory is silent it stays unknown. Each category total is (mean + highest) / 2 of its known
criteria; overall = likelihood total x impact total (1-30); bands from the policy (Medium from 4,
High from 8, Red-rated from 16); legacy when any likelihood criterion reaches 3.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Sequence
from functools import cache
from operator import attrgetter
from typing import Any

from estate.enums import Criticality
from estate.reassess import TECHNOLOGY_CRITERIA, predates
from estate.scoring.facts import ComponentFact, SystemFacts
from estate.scoring.policy import Bands, Policy, at_least, at_most
from estate.scoring.results import Band, Criterion, LegacyRisk, Source, legacy_risk, uk_date
from estate.words import counted, supplier_key

LIKELIHOOD = (
    ("L1", "End of life / end of support"),
    ("L2", "Expired vendor contract"),
    ("L3", "Lack of knowledge and skills"),
    ("L4", "Inability to meet business needs"),
    ("L5", "Unsuitable physical environment"),
    ("L6", "Known security vulnerabilities"),
    ("L7", "Historically recorded issues"),
)
IMPACT = (
    ("C1", "National security"),
    ("C2", "Reputational"),
    ("C3", "Direct financial"),
    ("C4", "External stakeholders"),
    ("C5", "Operational"),
    ("C6", "Other systems"),
)

Derived = tuple[int, str, str] | None
"""(score, evidence, what would change it), or None when the inventory cannot say."""


@cache
def add_months(date: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later, or the month's last day where it is
    shorter (31/08 + 6 months = 28/02 or 29/02)."""
    index = date.month - 1 + months
    year, month = date.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def within_months(as_of: dt.date, end: dt.date, rows: Bands, otherwise: int) -> int:
    """The score of the first band (months, score) whose calendar months from `as_of` reach
    `end`: an end on 12/01 is "within 6 months" from 12/07 on, not from a day count."""
    for months, score in rows:
        if end <= add_months(as_of, int(months)):
            return score
    return otherwise


def derive_l1(facts: SystemFacts, policy: Policy) -> Derived:
    """Worst support position of any component (hardware is scored under L5)."""
    worst = _worst_supported(facts, policy)
    if worst is None:
        return None
    return _l1_of(*worst, policy)


def _l1_of(score: int, component: ComponentFact, policy: Policy) -> tuple[int, str, str]:
    """L1 from the worst supported component and its score: the words depend on that
    component alone."""
    security_end, paid_end, source = component.support
    if security_end is None:
        assert component.match is not None
        why = f"{component.label}: supported, no end announced (catalogue: "
        return score, why + f"{component.match.release})", ""
    if security_end >= policy.as_of:
        why = f"{component.label}: security support ends {uk_date(security_end)}"
    elif _on_paid(component, policy):
        assert paid_end is not None
        why = f"{component.label}: security support ended {_fmt(security_end)}; "
        why += f"paid extended support only, until {uk_date(paid_end)}"
    else:
        why = f"{component.label}: out of support since {_fmt(paid_end or security_end)}"
    why += f" ({source})"
    change = (
        "Upgrade or replace the components out of support"
        if score >= 5
        else "Plan upgrades before support ends"
    )
    return score, why, change


def l1_score(facts: SystemFacts, policy: Policy) -> int | None:
    """The derived L1 score alone, as `derive_l1` gives it, without its words: what a trend
    compares between periods for every system."""
    worst = _worst_supported(facts, policy)
    return None if worst is None else worst[0]


def _worst_supported(facts: SystemFacts, policy: Policy) -> tuple[int, ComponentFact] | None:
    """The component with the highest L1 score (the first of equals), and that score."""
    worst: tuple[int, ComponentFact] | None = None
    for component in facts.components:
        score = _support_score(component, policy)
        if score is not None and (worst is None or score > worst[0]):
            worst = (score, component)
    return worst


def _on_paid(component: ComponentFact, policy: Policy) -> bool:
    """Whether security support has ended but paid extended support still runs."""
    return component.on_paid_support(policy.as_of)


def _support_score(component: ComponentFact, policy: Policy) -> int | None:
    """One component's L1 score from its support dates as at the policy's date; None when no
    date is known."""
    security_end = component.support[0]
    if security_end is None:
        return int(policy.section("legacy", "l1")["otherwise"]) if _no_end(component) else None
    rules = policy.section("legacy", "l1")
    if security_end < policy.as_of:
        if _on_paid(component, policy):
            return int(rules["on_paid_extended_support"])
        return int(rules["out_of_all_support"])
    return within_months(
        policy.as_of,
        security_end,
        policy.bands("legacy", "l1", "ends_within_months"),
        int(rules["otherwise"]),
    )


def _no_end(component: ComponentFact) -> bool:
    """Whether the catalogue matched the component to a release with no end announced (a
    current release: supported), rather than leaving its support unknown."""
    match = component.match
    return (
        component.end_of_support is None
        and match is not None
        and match.cycle is not None
        and not match.cycle.security_ended
    )


def _fmt(date: dt.date) -> str:
    return "(date not given)" if date == dt.date.min else uk_date(date)


def derive_l2(facts: SystemFacts, policy: Policy) -> Derived:
    """From the support contract's end date."""
    row = facts.row
    score = l2_score(facts, policy)
    if score is None:
        return None
    if row.contract_end is None:
        return 1, "supported in-house: no vendor contract", ""
    if row.contract_end < policy.as_of:
        return (
            score,
            f"contract ended {uk_date(row.contract_end)}",
            "Renew or re-procure the support contract",
        )
    return (
        score,
        f"contract ends {uk_date(row.contract_end)}",
        "Extend the contract" if score > 2 else "",
    )


def l2_score(facts: SystemFacts, policy: Policy) -> int | None:
    """The derived L2 score alone, as `derive_l2` gives it, without its words."""
    rules = policy.section("legacy", "l2")
    row = facts.row
    if row.contract_end is None:
        if row.supplier and supplier_key(row.supplier) == supplier_key(rules["in_house_supplier"]):
            return 1
        return None
    if row.contract_end < policy.as_of:
        return int(rules["expired"])
    return within_months(
        policy.as_of,
        row.contract_end,
        policy.bands("legacy", "l2", "ends_within_months"),
        int(rules["otherwise"]),
    )


def derive_l3(facts: SystemFacts, policy: Policy) -> Derived:
    """From how many staff could support it today."""
    rules = policy.section("legacy", "l3")
    staff = facts.row.skilled_staff
    if staff is None:
        return None
    score = at_most(staff, policy.bands("legacy", "l3", "staff_at_most"), int(rules["otherwise"]))
    return (
        score,
        f"{staff} staff with the skills to support it",
        "Train or hire support staff" if score > 2 else "",
    )


def derive_l5(facts: SystemFacts, policy: Policy) -> Derived:
    """The higher of the hosting score and the hardware-age score."""
    rules = policy.section("legacy", "l5")
    row = facts.row
    scores: list[tuple[int, str]] = []
    if row.hosting is not None:
        scores.append((int(rules["hosting"][row.hosting.value]), f"hosted: {row.hosting.value}"))
    if row.hardware_age_years is not None:
        age_score = at_least(
            row.hardware_age_years, policy.bands("legacy", "l5", "hardware_age_at_least"), 1
        )
        scores.append((age_score, f"hardware {row.hardware_age_years:g} years old"))
    if not scores:
        return None
    score = max(s for s, _ in scores)
    return (
        score,
        "; ".join(text for _, text in scores),
        "Move to cloud hosting or refresh the hardware" if score > 2 else "",
    )


def derive_l6(facts: SystemFacts, policy: Policy) -> Derived:
    """From open critical vulnerabilities."""
    rules = policy.section("legacy", "l6")
    count = facts.row.open_critical_vulns
    if count is None:
        return None
    score = at_most(
        count, policy.bands("legacy", "l6", "vulnerabilities_at_most"), int(rules["otherwise"])
    )
    return (
        score,
        counted(count, "open critical vulnerability", "open critical vulnerabilities"),
        "Fix the open critical vulnerabilities" if count else "",
    )


def derive_l7(facts: SystemFacts, policy: Policy) -> Derived:
    """From incidents in the last 12 months."""
    rules = policy.section("legacy", "l7")
    count = facts.row.incidents_12m
    if count is None:
        return None
    score = at_most(
        count, policy.bands("legacy", "l7", "incidents_at_most"), int(rules["otherwise"])
    )
    return (
        score,
        f"{counted(count, 'incident')} in the last 12 months",
        "Address the causes of recurring incidents" if score > 2 else "",
    )


def derive_c1(facts: SystemFacts, policy: Policy) -> Derived:
    """From the data classification, one more for business-critical systems."""
    rules = policy.section("impact", "c1")
    row = facts.row
    if row.classification is None:
        return None
    score = int(rules["classification"][row.classification.value])
    evidence = f"holds {row.classification.value} data"
    if row.criticality is Criticality.CRITICAL:
        score = min(5, score + int(rules["critical_adds"]))
        evidence += " and is business-critical"
    return score, evidence, ""


def derive_c2(facts: SystemFacts, policy: Policy) -> Derived:
    """From the number of users, one more when it holds personal data."""
    rules = policy.section("impact", "c2")
    row = facts.row
    if row.users is None:
        return None
    score = at_least(
        row.users, policy.bands("impact", "c2", "users_at_least"), int(rules["otherwise"])
    )
    evidence = f"{row.users:,} users"
    if row.personal_data:
        score = min(5, score + int(rules["personal_data_adds"]))
        evidence += "; holds personal data"
    return score, evidence, ""


def derive_c3(facts: SystemFacts, policy: Policy) -> Derived:
    """The framework's financial bands applied to the annual run cost."""
    rules = policy.section("impact", "c3")
    cost = facts.row.annual_run_cost
    if cost is None:
        return None
    score = int(rules["otherwise"])
    for threshold, band in policy.bands("impact", "c3", "cost_above"):
        if cost > threshold:
            score = band
            break
    else:
        score = at_least(cost, policy.bands("impact", "c3", "cost_at_least"), score)
    return score, f"annual run cost £{cost:,.0f}", ""


def derive_c4(facts: SystemFacts, policy: Policy) -> Derived:
    """From business criticality."""
    criticality = facts.row.criticality
    if criticality is None:
        return None
    score = int(policy.section("impact", "c4")["criticality"][criticality.value])
    return score, f"business criticality {criticality.value}", ""


def derive_c5(facts: SystemFacts, policy: Policy) -> Derived:
    """Users as the proxy for resource hours affected."""
    rules = policy.section("impact", "c5")
    users = facts.row.users
    if users is None:
        return None
    return (
        at_least(users, policy.bands("impact", "c5", "users_at_least"), int(rules["otherwise"])),
        f"{users:,} users affected",
        "",
    )


def derive_c6(facts: SystemFacts, policy: Policy) -> Derived:
    """From how many systems depend on it, directly or through others."""
    rules = policy.section("impact", "c6")
    blast = facts.blast
    if blast is None:
        return None
    score = at_least(
        blast.total, policy.bands("impact", "c6", "dependents_at_least"), int(rules["otherwise"])
    )
    return score, blast.describe(), ""


DERIVATIONS: dict[str, Callable[[SystemFacts, Policy], Derived]] = {
    "L1": derive_l1,
    "L2": derive_l2,
    "L3": derive_l3,
    "L5": derive_l5,
    "L6": derive_l6,
    "L7": derive_l7,
    "C1": derive_c1,
    "C2": derive_c2,
    "C3": derive_c3,
    "C4": derive_c4,
    "C5": derive_c5,
    "C6": derive_c6,
}


_FIELDS = {code: code.lower() for code, _ in LIKELIHOOD + IMPACT}
"""The stored field holding each criterion's self-assessed score."""


def _self_assessed(row: Any) -> str:
    who = f" by {row.assessed_by}" if row.assessed_by else ""
    when = f" on {uk_date(row.assessed_on)}" if row.assessed_on else ""
    return f"assessed{who}{when}"


def criterion(
    code: str, name: str, facts: SystemFacts, policy: Policy, self_assessed: str
) -> Criterion:
    """One criterion: self-assessed if the return gives it, else derived, else unknown.
    `self_assessed` is the evidence for a self-assessed score (who assessed it, and when)."""
    own: Any = getattr(facts.row, _FIELDS[code])
    derive = DERIVATIONS.get(code)
    if own is not None:
        return Criterion(
            code,
            name,
            int(own),
            Source.SELF_ASSESSED,
            self_assessed,
            "Re-assess it in the next return",
        )
    derived = derive(facts, policy) if derive else None
    if derived is None:
        needs = (
            "a self-assessed score"
            if derive is None
            else "the facts it is derived from, or a self-assessed score"
        )
        return Criterion(
            code, name, None, Source.UNKNOWN, "not known", f"Give {needs} in the return"
        )
    value, evidence, change = derived
    return Criterion(code, name, value, Source.DERIVED, evidence, change)


def _exact_total(criteria: tuple[Criterion, ...]) -> tuple[int, int] | None:
    """(mean + highest) / 2 of the known criteria as a whole fraction (numerator,
    denominator): (sum + n x highest) / 2n, so equal totals are equal, with no rounding."""
    return _exact_of([c.value for c in criteria])


def _exact_of(values: Sequence[int | None]) -> tuple[int, int] | None:
    """`_exact_total` of the criteria's values."""
    known = [v for v in values if v is not None]
    if not known:
        return None
    return sum(known) + len(known) * max(known), 2 * len(known)


def category_total(criteria: tuple[Criterion, ...]) -> float | None:
    """(mean + highest) / 2 of the known criteria, or None when none is known."""
    exact = _exact_total(criteria)
    return None if exact is None else exact[0] / exact[1]


def _overall(l_total: tuple[int, int] | None, c_total: tuple[int, int] | None) -> float | None:
    """Likelihood total x impact total from the exact totals, divided once: scores equal in
    the framework's arithmetic are equal here (12/5 x 10/3 is 8.0, never 7.999999999999999), so
    bands and ties compare them as the framework does."""
    if l_total is None or c_total is None:
        return None
    return (l_total[0] * c_total[0]) / (l_total[1] * c_total[1])


def band_of(overall: float, policy: Policy) -> Band:
    """The framework band of an overall score."""
    rules = policy.section("legacy")
    if overall >= rules["red_from"]:
        return Band.RED
    if overall >= rules["high_from"]:
        return Band.HIGH
    if overall >= rules["medium_from"]:
        return Band.MEDIUM
    return Band.LOW


def nothing_known(no_dependents: bool, c6_derived: bool, others: Sequence[int | None]) -> bool:
    """True when the only thing "known" is C6 from no recorded dependents: for a system about
    which nothing else is known, that is the absence of data, not an impact. From the values:
    whether the system has no dependents, whether C6 was derived (from the graph), and the
    values of the other criteria."""
    return no_dependents and c6_derived and all(v is None for v in others)


def legacy_verdict(
    likelihood: Sequence[int | None], impact: Sequence[int | None], policy: Policy
) -> tuple[Band | None, bool | None]:
    """The band and whether the system is legacy, from the values of the likelihood and impact
    criteria (C6 already cleared where nothing else is known): what `assess_legacy` decides,
    for a caller that has the values without the criteria."""
    return _verdict(_overall(_exact_of(likelihood), _exact_of(impact)), likelihood, policy)


def _verdict(
    overall: float | None, likelihood: Sequence[int | None], policy: Policy
) -> tuple[Band | None, bool | None]:
    known = [v for v in likelihood if v is not None]
    threshold = policy.section("legacy")["legacy_from"]
    return (
        band_of(overall, policy) if overall is not None else None,
        any(v >= threshold for v in known) if known else None,
    )


def assess_legacy(facts: SystemFacts, policy: Policy) -> LegacyRisk:
    """The whole framework for one system: each criterion self-assessed, else derived, else
    unknown (`criterion`); C6 cleared where nothing else is known (`nothing_known`); the
    totals, band and verdict; and the data-quality flags (the department's score stands):
    self-assessed scores the inventory contradicts by `legacy.contradiction_from` or more, and
    those that predate a change to the system's technology. Worked out by the policy's
    `LegacyScorer`, which shares what repeats across the systems scored under it."""
    return legacy_scorer(policy).assess(facts)


_UNKNOWN_EVIDENCE = "not known"
_REASSESS = "Re-assess it in the next return"
_NOTHING_ELSE = "not known: nothing else is known about the system"
_GIVE_FACTS = "Give the system's facts in the return"


ROW_DERIVED = ("L2", "L3", "L5", "L6", "L7", "C1", "C2", "C3", "C4", "C5", "C6")
"""The criteria derived from the stored row or the graph alone (L1 reads the components)."""


def _keys(facts: SystemFacts) -> tuple[Any, ...]:
    """For each of `ROW_DERIVED`, in order, the values its derivation reads: two systems with
    equal values get the same criterion. A count or amount carries its type, since an integer
    and a float print differently."""
    row = facts.row
    contract_end = row.contract_end
    age = row.hardware_age_years
    staff = row.skilled_staff
    vulnerabilities = row.open_critical_vulns
    incidents = row.incidents_12m
    users = row.users
    cost = row.annual_run_cost
    blast = facts.blast
    return (
        (contract_end, None) if contract_end is not None else (None, row.supplier),
        (staff, type(staff)),
        (row.hosting, age, type(age)),
        (vulnerabilities, type(vulnerabilities)),
        (incidents, type(incidents)),
        (row.classification, row.criticality is Criticality.CRITICAL),
        (users, type(users), bool(row.personal_data)),
        (cost, type(cost)),
        row.criticality,
        (users, type(users)),
        None if blast is None else (blast.total, blast.direct, blast.critical, blast.departments),
    )


_OWN = attrgetter(*(_FIELDS[code] for code, _name in LIKELIHOOD + IMPACT))
"""The department's own score of every criterion, from a stored row, in order."""
_NONE_OWN = (None,) * len(LIKELIHOOD + IMPACT)

_Step = tuple[str, str]
"""One criterion as `LegacyScorer` works out a self-assessed score: its code and name."""


class LegacyScorer:
    """`assess_legacy` for one policy, for many systems: the policy's rules are read once, and
    what repeats across an estate is worked out once and shared (the criterion derived from
    each distinct set of values it reads, each component's support score, each band), so the
    result is the same criterion objects `assess_legacy` would build one by one."""

    __slots__ = (
        "_assessed",
        "_bands",
        "_contradiction_from",
        "_derived",
        "_impacts",
        "_l1_criteria",
        "_legacy_from",
        "_likelihoods",
        "_pairs",
        "_plan",
        "_policy",
        "_row_memos",
        "_support",
        "_unknown",
        "_unknown_l4",
        "_verdicts",
    )

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        rules = policy.section("legacy")
        self._contradiction_from = int(rules["contradiction_from"])
        self._legacy_from = rules["legacy_from"]
        self._bands = (rules["red_from"], rules["high_from"], rules["medium_from"])
        self._support: dict[tuple[dt.date | None, dt.date | None, str], int | None] = {}
        self._l1_criteria: dict[Any, Criterion] = {}
        self._assessed: dict[tuple[Any, Any], str] = {}
        self._verdicts: dict[
            tuple[int | None, ...],
            tuple[float | None, float | None, float | None, Band | None, bool | None],
        ] = {}
        self._likelihoods: dict[tuple[int | None, ...], tuple[Any, float | None, bool | None]] = {}
        self._impacts: dict[tuple[int | None, ...], tuple[Any, float | None]] = {}
        self._pairs: dict[
            tuple[int, int],
            tuple[float | None, float | None, float | None, Band | None, bool | None],
        ] = {}
        self._derived: dict[str, dict[Any, Criterion]] = {code: {} for code in ROW_DERIVED}
        self._unknown: dict[str, Criterion] = {}
        for code, name in LIKELIHOOD + IMPACT:
            needs = (
                "a self-assessed score"
                if code not in DERIVATIONS
                else "the facts it is derived from, or a self-assessed score"
            )
            self._unknown[code] = Criterion(
                code, name, None, Source.UNKNOWN, _UNKNOWN_EVIDENCE, f"Give {needs} in the return"
            )
        self._unknown_l4 = self._unknown["L4"]
        self._row_memos = tuple(self._derived[code] for code in ROW_DERIVED)
        self._plan: tuple[_Step, ...] = tuple(LIKELIHOOD + IMPACT)

    def _derive(self, code: str, facts: SystemFacts, key: Any) -> Criterion:
        """The criterion `code` derived from `facts` the first time its `key` is seen."""
        derived = DERIVATIONS[code](facts, self._policy)
        if derived is None:
            found = self._unknown[code]
        else:
            value, evidence, change = derived
            found = Criterion(code, CRITERION_NAMES[code], value, Source.DERIVED, evidence, change)
        self._derived[code][key] = found
        return found

    def _l1(self, facts: SystemFacts) -> Criterion:
        """L1 from the worst supported component: each distinct support position is scored
        once, and the criterion worded once per worst component."""
        support = self._support
        worst_score: int | None = None
        worst: ComponentFact | None = None
        for component in facts.components:
            dates = component.support
            if dates[0] is None:
                score = _support_score(component, self._policy)
            else:
                score = support.get(dates, -1)
                if score == -1:
                    score = support[dates] = _support_score(component, self._policy)
            if score is not None and (worst_score is None or score > worst_score):
                worst_score, worst = score, component
        if worst is None or worst_score is None:
            return self._unknown["L1"]
        key = (worst_score, worst.label, worst.support)
        found = self._l1_criteria.get(key)
        if found is None:
            value, evidence, change = _l1_of(worst_score, worst, self._policy)
            found = self._l1_criteria[key] = Criterion(
                "L1", CRITERION_NAMES["L1"], value, Source.DERIVED, evidence, change
            )
        return found

    def _self_assessed(self, row: Any) -> str:
        key = (row.assessed_by, row.assessed_on)
        found = self._assessed.get(key)
        if found is None:
            found = self._assessed[key] = _self_assessed(row)
        return found

    def _band(self, overall: float) -> Band:
        red, high, medium = self._bands
        if overall >= red:
            return Band.RED
        if overall >= high:
            return Band.HIGH
        if overall >= medium:
            return Band.MEDIUM
        return Band.LOW

    def _all_derived(self, facts: SystemFacts) -> list[Criterion]:
        """Every criterion of a system with no self-assessed score, in order."""
        keys = _keys(facts)
        found: list[Criterion | None] = list(map(dict.get, self._row_memos, keys))
        if None in found:
            for index, known in enumerate(found):
                if known is None:
                    found[index] = self._derive(ROW_DERIVED[index], facts, keys[index])
        found.insert(2, self._unknown_l4)
        found.insert(0, self._l1(facts))
        return found  # type: ignore[return-value]  # every None was derived

    def assess(self, facts: SystemFacts) -> LegacyRisk:
        """The whole framework for one system: what `assess_legacy` gives."""
        row = facts.row
        assessed: str | None = None
        flags: list[str] = []
        owns = _OWN(row)
        if owns == _NONE_OWN:
            built = self._all_derived(facts)
        else:
            built, assessed = self._criteria(facts, owns, flags)
        return self._totals(facts, built, assessed, flags)

    def _criteria(
        self, facts: SystemFacts, owns: tuple[Any, ...], flags: list[str]
    ) -> tuple[list[Criterion], str]:
        """Every criterion of a system with some self-assessed score, in order, and the
        evidence of its self-assessed scores; the scores the inventory contradicts are flagged
        in `flags`."""
        built = self._all_derived(facts)  # what the inventory gives, where the return is silent
        assessed = self._self_assessed(facts.row)
        gap = self._contradiction_from
        plan = self._plan
        for index, own in enumerate(owns):
            if own is None:
                continue
            code, name = plan[index]
            # Built afresh, not looked up: pairs of score and assessor rarely repeat (at
            # 50,000 systems three in four were new), and a lookup costs more than the tuple.
            mine = _new_criterion(
                Criterion, (code, name, int(own), Source.SELF_ASSESSED, assessed, _REASSESS)
            )
            derived = built[index]
            built[index] = mine
            # A self-assessed score the inventory contradicts: a data-quality flag.
            if derived.value is not None and abs(derived.value - mine.value) >= gap:  # type: ignore[operator]
                flags.append(
                    f"{code} {name}: self-assessed {mine.value}, but the inventory gives "
                    f"{derived.value} ({derived.evidence}); the department's score stands"
                )
        return built, assessed

    def _totals(
        self,
        facts: SystemFacts,
        built: list[Criterion],
        assessed: str | None,
        flags: list[str],
    ) -> LegacyRisk:
        """The framework's totals, band and verdict from the system's criteria (`assessed`:
        the evidence of its self-assessed scores, None when it has none)."""
        row = facts.row
        values = list(map(_VALUE, built))
        likelihood = tuple(built[:7])
        impact = tuple(built[7:])
        if (
            values[12] is not None
            and built[12].source is Source.DERIVED
            and (facts.blast is None or facts.blast.total == 0)
            and values.count(None) == 12
        ):
            impact = (
                *impact[:5],
                built[12]._replace(
                    value=None,
                    source=Source.UNKNOWN,
                    evidence=_NOTHING_ELSE,
                    would_change=_GIVE_FACTS,
                ),
            )
            values[12] = None
        key = tuple(values)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = self._verdict(key)
        if assessed is not None and predates(row, facts.technology_changed):
            flags.extend(
                f"{c.code} {c.name}: self-assessed {c.value} on {uk_date(row.assessed_on)}, "
                f"which predates the {facts.technology_changed} return's change to its "
                "technology; the department's score stands until it is reviewed: please "
                "review it"
                for c in built
                if c.source is Source.SELF_ASSESSED and c.code in TECHNOLOGY_CRITERIA
            )
        return legacy_risk(likelihood, impact, *verdict, tuple(flags))

    def _verdict(
        self, values: tuple[int | None, ...]
    ) -> tuple[float | None, float | None, float | None, Band | None, bool | None]:
        """The likelihood and impact totals, overall score, band and whether the system is
        legacy, from the values of its likelihood and impact criteria: each category's part
        worked out once per distinct set of its values, and the verdict once per pair."""
        l_values = values[:7]
        likelihood = self._likelihoods.get(l_values)
        if likelihood is None:
            known = [v for v in l_values if v is not None]
            l_exact = _exact_of(known)
            likelihood = self._likelihoods[l_values] = (
                l_exact,
                None if l_exact is None else l_exact[0] / l_exact[1],
                any(v >= self._legacy_from for v in known) if known else None,
            )
        c_values = values[7:]
        impact = self._impacts.get(c_values)
        if impact is None:
            c_exact = _exact_of(c_values)
            impact = self._impacts[c_values] = (
                c_exact,
                None if c_exact is None else c_exact[0] / c_exact[1],
            )
        # By the parts' identities: their entries stand as long as the scorer.
        pair = (id(likelihood), id(impact))
        found = self._pairs.get(pair)
        if found is None:
            overall = _overall(likelihood[0], impact[0])
            band = None if overall is None else self._band(overall)
            found = self._pairs[pair] = (likelihood[1], impact[1], overall, band, likelihood[2])
        return found


_new_criterion = tuple.__new__
"""A `Criterion` from its six values, without the named tuple's keyword-taking `__new__`."""

_VALUE = attrgetter("value")
"""A criterion's value."""

CRITERION_NAMES = dict(LIKELIHOOD + IMPACT)
"""Each criterion's name by its code."""


def legacy_scorer(policy: Policy) -> LegacyScorer:
    """The policy's `LegacyScorer`, made once and kept with the policy (whose date and values
    are fixed), so every system scored under it shares what it has worked out."""
    return policy.memo("legacy-scorer", LegacyScorer)
