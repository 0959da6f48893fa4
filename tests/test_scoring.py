"""Scoring by the frameworks: hand-worked examples of the arithmetic, the bands, sources,
readiness categories, gaps and the priority."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from estate.enums import (
    Classification,
    ComponentKind,
    Criticality,
    Disposition,
    Hosting,
    Outcome,
    Principle,
    SignIn,
)
from estate.errors import InputError
from estate.scoring.legacy import assess_legacy, band_of, category_total
from estate.scoring.policy import load_policy
from estate.scoring.readiness import assess_readiness
from estate.scoring.results import Band, Criterion, Readiness, Severity, Source
from estate.scoring.security import assess_gaps
from tests.conftest import Run
from tests.scoring_facts import component, facts

AS_OF = dt.date(2026, 11, 1)
POLICY = load_policy(as_of=AS_OF)


def _scores(likelihood: list[int], impact: list[int]) -> dict[str, int]:
    values = {f"l{i}": v for i, v in enumerate(likelihood, start=1)}
    values.update({f"c{i}": v for i, v in enumerate(impact, start=1)})
    return values


def test_framework_arithmetic_by_hand() -> None:
    # L: mean 12/7 = 1.7143, highest 6 -> (1.7143 + 6) / 2 = 3.8571
    # C: mean 10/6 = 1.6667, highest 5 -> (1.6667 + 5) / 2 = 3.3333
    # overall = 3.8571 x 3.3333 = 12.857 -> High (8 <= x < 16)
    risk = assess_legacy(facts(_scores([6, 1, 1, 1, 1, 1, 1], [5, 1, 1, 1, 1, 1])), POLICY)
    assert risk.likelihood_total == pytest.approx((12 / 7 + 6) / 2)
    assert risk.impact_total == pytest.approx((10 / 6 + 5) / 2)
    assert risk.overall == pytest.approx(((12 / 7 + 6) / 2) * ((10 / 6 + 5) / 2))
    assert risk.overall == pytest.approx(12.857, abs=1e-3)
    assert risk.band is Band.HIGH
    assert risk.is_legacy is True


@pytest.mark.parametrize(
    ("likelihood", "impact", "overall", "band"),
    [
        ([4] * 7, [4] * 6, 16.0, Band.RED),  # exactly 16 is red-rated
        ([4] * 7, [4, 4, 4, 4, 4, 3], 4 * ((23 / 6 + 4) / 2), Band.HIGH),  # 15.67, just under
        ([6] * 7, [5] * 6, 30.0, Band.RED),  # the maximum
        ([2] * 7, [4] * 6, 8.0, Band.HIGH),  # exactly 8 is High
        ([2] * 7, [2] * 6, 4.0, Band.MEDIUM),  # exactly 4 is Medium
        ([1] * 7, [3] * 6, 3.0, Band.LOW),
        ([1] * 7, [1] * 6, 1.0, Band.LOW),  # the minimum
    ],
)
def test_band_edges(likelihood: list[int], impact: list[int], overall: float, band: Band) -> None:
    risk = assess_legacy(facts(_scores(likelihood, impact)), POLICY)
    assert risk.overall == pytest.approx(overall)
    assert risk.band is band


@pytest.mark.parametrize(
    ("value", "band"), [(15.999, Band.HIGH), (16, Band.RED), (7.99, Band.MEDIUM), (3.99, Band.LOW)]
)
def test_band_boundaries_are_inclusive_from_below(value: float, band: Band) -> None:
    assert band_of(value, POLICY) is band


@pytest.mark.parametrize(
    ("likelihood", "legacy"), [([2] * 7, False), ([2, 2, 3, 2, 2, 2, 2], True)]
)
def test_legacy_when_any_likelihood_reaches_three(likelihood: list[int], legacy: bool) -> None:
    assert assess_legacy(facts(_scores(likelihood, [1] * 6)), POLICY).is_legacy is legacy


def test_a_self_assessed_criterion_wins_over_the_derived_one() -> None:
    old = [component("Windows Server 2008 R2")]
    derived = assess_legacy(facts(components=old), POLICY).likelihood[0]
    assert (derived.value, derived.source) == (6, Source.DERIVED)
    assert "Windows Server 2008 R2" in derived.evidence and "10/01/2023" in derived.evidence
    own = assess_legacy(facts(components=old, l1=2, assessed_by="A. Patel"), POLICY).likelihood[0]
    assert (own.value, own.source) == (2, Source.SELF_ASSESSED)
    assert "A. Patel" in own.evidence


def test_unknown_criteria_are_left_out_of_the_totals() -> None:
    risk = assess_legacy(facts(skilled_staff=0, criticality=Criticality.HIGH), POLICY)
    known = [c for c in risk.likelihood if c.value is not None]
    assert [(c.code, c.value) for c in known] == [("L3", 6)]
    assert risk.likelihood_total == 6.0  # (6 + 6) / 2 over the one known criterion
    unknown = risk.likelihood[3]
    assert (unknown.code, unknown.source, unknown.value) == ("L4", Source.UNKNOWN, None)
    assert assess_legacy(facts(), POLICY).overall is None
    assert category_total(()) is None


@pytest.mark.parametrize(
    ("components", "expected", "phrase"),
    [
        ([component("Windows Server 2008 R2")], 6, "out of support since 10/01/2023"),
        ([component("Oracle Database 19c")], 1, "ends 31/12/2029"),
        ([component("Windows Server 2012 R2")], 6, "out of support since 13/10/2026"),
        ([component("Java 8", ComponentKind.RUNTIME)], 5, "paid extended support only"),
        ([component("Windows Server 2016")], 4, "ends 12/01/2027"),  # within 6 months
        ([component("SQL Server 2017", ComponentKind.DATABASE)], 3, "ends 12/10/2027"),
        ([component("PHP 8.3", ComponentKind.RUNTIME)], 2, "ends 31/12/2027"),
        ([component("PostgreSQL 14", ComponentKind.DATABASE)], 4, "ends 12/11/2026"),
        (
            [component("MyApp 2", ComponentKind.APPLICATION, end_of_support=dt.date(2025, 1, 1))],
            6,
            "the department's own date",
        ),
    ],
)
def test_l1_from_component_support(components: list[object], expected: int, phrase: str) -> None:
    l1 = assess_legacy(facts(components=components), POLICY).likelihood[0]  # type: ignore[arg-type]
    assert l1.value == expected, l1.evidence
    assert phrase in l1.evidence


def test_l1_takes_the_worst_component() -> None:
    parts = [component("RHEL 9"), component("Oracle 11gR2", ComponentKind.DATABASE)]
    l1 = assess_legacy(facts(components=parts), POLICY).likelihood[0]
    assert l1.value == 6 and "Oracle 11gR2" in l1.evidence


@pytest.mark.parametrize(
    ("fields", "code", "expected"),
    [
        ({"contract_end": dt.date(2026, 1, 1)}, "L2", 6),
        ({"contract_end": dt.date(2027, 1, 15)}, "L2", 4),
        ({"contract_end": dt.date(2030, 1, 1)}, "L2", 1),
        ({"supplier": "In-house"}, "L2", 1),
        ({"skilled_staff": 1}, "L3", 4),
        ({"skilled_staff": 12}, "L3", 1),
        ({"hosting": Hosting.ON_PREMISES, "hardware_age_years": 13}, "L5", 5),
        ({"hosting": Hosting.PUBLIC_PAAS}, "L5", 1),
        ({"open_critical_vulns": 0}, "L6", 1),
        ({"open_critical_vulns": 12}, "L6", 6),
        ({"incidents_12m": 7}, "L7", 4),
    ],
)
def test_likelihood_derivations(fields: dict[str, Any], code: str, expected: int) -> None:
    risk = assess_legacy(facts(fields), POLICY)
    criterion = next(c for c in risk.likelihood if c.code == code)
    assert (criterion.value, criterion.source) == (expected, Source.DERIVED), criterion.evidence


@pytest.mark.parametrize(
    ("field", "code", "count", "words"),
    [
        ("open_critical_vulns", "L6", 1, "1 open critical vulnerability"),
        ("open_critical_vulns", "L6", 3, "3 open critical vulnerabilities"),
        ("incidents_12m", "L7", 1, "1 incident in the last 12 months"),
        ("incidents_12m", "L7", 7, "7 incidents in the last 12 months"),
    ],
)
def test_counts_are_written_in_words(field: str, code: str, count: int, words: str) -> None:
    row = facts({field: count})
    criterion = next(c for c in assess_legacy(row, POLICY).likelihood if c.code == code)
    assert criterion.evidence.split(":")[0] == words
    if code == "L6":
        gap = next(g for g in assess_gaps(row, POLICY) if g.principle.value == "SbD7")
        assert gap.evidence == words


@pytest.mark.parametrize(
    ("fields", "code", "expected"),
    [
        ({"classification": Classification.SECRET}, "C1", 4),
        ({"classification": Classification.SECRET, "criticality": Criticality.CRITICAL}, "C1", 5),
        ({"users": 150_000, "personal_data": True}, "C2", 5),
        ({"annual_run_cost": 12_000_000}, "C3", 3),
        ({"annual_run_cost": 60_000_000}, "C3", 5),
        ({"annual_run_cost": 4_999_999}, "C3", 1),
        ({"criticality": Criticality.LOW}, "C4", 2),
        ({"users": 50}, "C5", 1),
        ({"dependents": 10}, "C6", 4),
        ({"dependents": 0, "criticality": Criticality.LOW}, "C6", 1),
    ],
)
def test_impact_derivations(fields: dict[str, Any], code: str, expected: int) -> None:
    row = {k: v for k, v in fields.items() if k != "dependents"}
    risk = assess_legacy(facts(row, dependents=fields.get("dependents", 0)), POLICY)
    criterion = next(c for c in risk.impact if c.code == code)
    assert criterion.value == expected, criterion.evidence


# --- cloud readiness ------------------------------------------------------------------------


def test_saas_is_ready() -> None:
    readiness = assess_readiness(facts(hosting=Hosting.SAAS), POLICY, set())
    assert (readiness.category, readiness.score, readiness.disposition) == (
        Readiness.READY,
        100,
        Disposition.RETAIN,
    )


def test_supported_x86_on_premises_is_ready_to_rehost() -> None:
    parts = [component("RHEL 9"), component("PostgreSQL 17", ComponentKind.DATABASE)]
    readiness = assess_readiness(
        facts(hosting=Hosting.ON_PREMISES, components=parts), POLICY, set()
    )
    assert readiness.category is Readiness.READY and readiness.score == 100
    assert readiness.disposition is Disposition.REHOST


def test_an_unsupported_os_makes_it_ready_with_conditions() -> None:
    parts = [component("Windows Server 2008 R2")]
    readiness = assess_readiness(
        facts(hosting=Hosting.ON_PREMISES, components=parts, criticality=Criticality.CRITICAL),
        POLICY,
        set(),
    )
    assert readiness.category is Readiness.CONDITIONAL
    assert readiness.score == 75
    assert "out of support" in readiness.reasons[0].text
    assert readiness.disposition is Disposition.REPLATFORM


def test_a_mainframe_is_not_ready() -> None:
    parts = [component("z/OS 2.5"), component("IBM Enterprise COBOL 6.4", ComponentKind.RUNTIME)]
    readiness = assess_readiness(
        facts(hosting=Hosting.ON_PREMISES, components=parts, criticality=Criticality.CRITICAL),
        POLICY,
        set(),
    )
    assert readiness.category is Readiness.NOT_READY
    assert readiness.disposition is Disposition.REFACTOR


def test_secret_data_is_not_ready_and_retained() -> None:
    parts = [component("RHEL 9")]
    readiness = assess_readiness(
        facts(hosting=Hosting.ON_PREMISES, components=parts, classification=Classification.SECRET),
        POLICY,
        set(),
    )
    assert readiness.category is Readiness.NOT_READY
    assert readiness.disposition is Disposition.RETAIN


def test_too_little_data_is_unknown() -> None:
    readiness = assess_readiness(facts(hosting=Hosting.ON_PREMISES), POLICY, set())
    assert (readiness.category, readiness.score) == (Readiness.UNKNOWN, None)
    assert "too little data" in readiness.reasons[0].text


def test_dependencies_on_systems_that_cannot_move_are_conditions() -> None:
    parts = [component("RHEL 9")]
    stuck = facts(
        hosting=Hosting.ON_PREMISES, components=parts, depends_on=["MOJ/MF-1", "MOJ/WEB-2"]
    )
    readiness = assess_readiness(stuck, POLICY, {"MOJ/MF-1"})
    assert readiness.category is Readiness.CONDITIONAL
    assert "depends on 1 system that stays on premises (MOJ/MF-1)" in readiness.reasons[0].text


def test_retiring_systems_are_retired() -> None:
    from estate.enums import LifecycleStatus

    readiness = assess_readiness(
        facts(
            hosting=Hosting.ON_PREMISES,
            lifecycle_status=LifecycleStatus.SUNSETTING,
            components=[component("RHEL 9")],
        ),
        POLICY,
        set(),
    )
    assert readiness.disposition is Disposition.RETIRE


# --- security gaps ----------------------------------------------------------------------------


def _assessment(principle: Principle, outcome: Outcome) -> SimpleNamespace:
    return SimpleNamespace(
        principle=principle, outcome=outcome, assessed_on=dt.date(2026, 3, 31), notes="ITHC"
    )


def test_derived_gaps_carry_their_evidence() -> None:
    system = facts(
        internet_facing=True,
        personal_data=True,
        sign_in=SignIn.OWN_ACCOUNTS,
        components=[component("Windows Server 2008 R2")],
        last_pen_test=dt.date(2024, 1, 1),
    )
    gaps = {(g.principle, g.severity) for g in assess_gaps(system, POLICY)}
    assert {
        (Principle.SBD1, Severity.HIGH),  # no named owner
        (Principle.A1, Severity.HIGH),
        (Principle.SBD2, Severity.HIGH),  # out of support and internet-facing
        (Principle.B4, Severity.HIGH),
        (Principle.SBD9, Severity.HIGH),  # no pen test in 12 months
        (Principle.B2, Severity.HIGH),  # own sign-in, internet-facing, personal data
        (Principle.C1, Severity.LOW),  # no monitoring evidence
    } == gaps


def test_assessed_outcomes_are_gaps_and_achieved_ones_silence_derivations() -> None:
    system = facts(
        business_owner="J. Okafor",
        sign_in=SignIn.OWN_ACCOUNTS,
        assessments=[
            _assessment(Principle.B2, Outcome.ACHIEVED),
            _assessment(Principle.C1, Outcome.PARTIALLY_ACHIEVED),
            _assessment(Principle.D1, Outcome.NOT_ACHIEVED),
        ],
    )
    gaps = assess_gaps(system, POLICY)
    assert [(g.principle, g.severity, g.source) for g in gaps] == [
        (Principle.D1, Severity.HIGH, "assessed"),
        (Principle.C1, Severity.MEDIUM, "assessed"),
    ]
    assert "ITHC" in gaps[0].evidence


# --- policy -----------------------------------------------------------------------------------


def test_a_policy_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('as_of = "2025-04-01"\n[legacy]\nred_from = 12\n')
    policy = load_policy(path)
    assert policy.as_of == dt.date(2025, 4, 1)
    assert policy.section("legacy")["red_from"] == 12
    assert policy.section("legacy")["high_from"] == 8
    assert band_of(12.5, policy) is Band.RED


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[legacy]\nredd_from = 12\n", "unknown policy key 'legacy.redd_from'"),
        ('[legacy]\nred_from = "lots"\n', "'legacy.red_from' must be int"),
        ("[legacy]\nmedium_from = 20\n", "bands must rise"),
        ('as_of = "next week"\n', "is not a date"),
        ('as_of = "0001-01-01"\n', "policy.toml: as_of 0001-01-01 is before 1900-01-01"),
        ("[priority.weights]\nlegacy = -1\n", "must be zero or more"),
    ],
)
def test_bad_policies_are_refused_by_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        load_policy(path)


def test_an_as_of_date_the_scores_cannot_count_back_from_is_refused_in_a_line(
    run: Run, demo_db: Path
) -> None:
    refused = run("--db", demo_db, "rank", "--as-of", "0001-01-01")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "Error: --as-of 0001-01-01 is before 1900-01-01: scoring counts months and years back "
        "from the as-of date. Give a later date."
    )
    assert load_policy(as_of=dt.date(1900, 1, 1)).as_of == dt.date(1900, 1, 1)


def test_criteria_are_immutable_records() -> None:
    criterion = Criterion("L1", "End of support", 6, Source.DERIVED, "x")
    with pytest.raises(AttributeError):
        criterion.value = 1  # type: ignore[misc]


def test_a_security_gap_names_components_on_paid_extended_support_as_such() -> None:
    # As the portfolio counts them: SQL Server 2014's security support ended in July 2024 and
    # paid extended support runs to July 2027; Windows Server 2008 R2's has ended too.
    policy = load_policy(as_of=dt.date(2026, 11, 1))
    system = facts(
        components=[
            component("SQL Server 2014 SP3", ComponentKind.DATABASE),
            component("Windows Server 2008 R2"),
        ]
    )
    gap = next(g for g in assess_gaps(system, policy) if g.principle.value == "SbD2")
    assert gap.evidence == (
        "out-of-support components: SQL Server 2014 SP3 (paid extended support only), "
        "Windows Server 2008 R2"
    )
