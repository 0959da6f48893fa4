"""Scoring many systems under one policy shares what repeats (criteria derived from equal
values, the words of equal gaps, what a set of components gives): these tests prove the
sharing never changes a result, against each system scored alone under a fresh policy."""

from __future__ import annotations

import dataclasses
import datetime as dt
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from estate import db
from estate.enums import (
    Classification,
    ComponentKind,
    Criticality,
    Hosting,
    Outcome,
    Principle,
    SignIn,
)
from estate.scoring import _Priority, score_estate, score_facts
from estate.scoring.facts import Assessment, SystemFacts
from estate.scoring.legacy import assess_legacy
from estate.scoring.policy import Policy, load_policy
from estate.scoring.readiness import assess_readiness
from estate.scoring.results import (
    CloudReadiness,
    LegacyRisk,
    Readiness,
    SystemScore,
    cloud_readiness,
    legacy_risk,
)
from estate.scoring.security import assess_gaps
from tests.conftest import scored_estate
from tests.scoring_facts import component, facts

AS_OF = dt.date(2026, 11, 1)


def _estate() -> list[SystemFacts]:
    """Systems alike in some values and not in others: equal values that print differently
    (an integer and a float), shared components, self-assessed and derived scores, equal
    assessments."""
    windows = component("Windows Server 2012 R2")
    rhel = component("RHEL 9")
    mainframe = component("z/OS 2.5")
    kit = component("Sun SPARC M8", ComponentKind.HARDWARE)
    own_date = component("Bespoke ledger 4", ComponentKind.APPLICATION, dt.date(2026, 12, 31))
    failed = Assessment(Principle.B4, Outcome.NOT_ACHIEVED, dt.date(2026, 3, 1), "no patching")
    monitored = Assessment(Principle.C1, Outcome.ACHIEVED, dt.date(2026, 3, 1), None)
    systems: list[dict[str, Any]] = [
        {"hosting": Hosting.PUBLIC_IAAS, "hardware_age_years": 7},
        {"hosting": Hosting.ON_PREMISES, "hardware_age_years": 7.5},
        {"users": 1000, "annual_run_cost": 250_000, "skilled_staff": 2},
        {"users": 1000.0, "annual_run_cost": 250_000.0, "skilled_staff": 2.0},
        {"users": 0, "personal_data": True, "open_critical_vulns": 1},
        {"open_critical_vulns": 1.0, "incidents_12m": 4, "hosting": Hosting.ON_PREMISES},
        {"contract_end": dt.date(2027, 2, 1), "supplier": "In-house"},
        {"contract_end": None, "supplier": "in house"},
        {"l1": 2, "l3": 6, "assessed_by": "J. Okafor", "assessed_on": dt.date(2025, 1, 5)},
        {"l1": 2, "l3": 6, "assessed_by": "J. Okafor", "assessed_on": dt.date(2025, 1, 5)},
        {"classification": Classification.SECRET, "criticality": Criticality.CRITICAL},
        {"classification": Classification.OFFICIAL, "criticality": Criticality.CRITICAL},
        {"internet_facing": True, "last_pen_test": dt.date(2024, 1, 1), "personal_data": True},
        {"internet_facing": True, "sign_in": SignIn.OWN_ACCOUNTS, "business_owner": "A. Lee"},
    ]
    kits = [
        [windows],  # in public cloud first: what it gives others on premises is their own
        [windows],
        [windows],
        [windows],
        [windows, rhel],
        [mainframe, kit],
        [own_date],
        [],
        [windows, own_date],
        [windows, own_date],
        [kit],
        [kit],
        [rhel],
        [mainframe],
    ]
    return [
        facts(
            fields,
            components=components,
            assessments=[failed, monitored] if index % 2 else [failed],
            dependents=index % 3,
            depends_on=["DBP/X-9"] if index % 4 == 0 else [],
        )
        for index, (fields, components) in enumerate(zip(systems, kits, strict=True))
    ]


def test_scoring_many_systems_under_one_policy_gives_each_its_own_scores() -> None:
    shared = load_policy(as_of=AS_OF)
    estate = _estate()
    for _ in range(2):  # the second time, everything comes from what the first shared
        for system in estate:
            alone: Policy = load_policy(as_of=AS_OF)
            assert assess_legacy(system, shared) == assess_legacy(system, alone)
            assert assess_gaps(system, shared) == assess_gaps(system, alone)
            anchored = {"DBP/X-9"}
            assert assess_readiness(system, shared, anchored) == assess_readiness(
                system, alone, anchored
            )
            together = score_facts(system, shared, anchored)
            apart = score_facts(system, load_policy(as_of=AS_OF), anchored)
            assert together == apart
            assert (together.reasons, together.headline) == (apart.reasons, apart.headline)


def test_values_that_print_differently_keep_their_own_words() -> None:
    policy = load_policy(as_of=AS_OF)
    whole, decimal = _estate()[2:4]
    by_whole = {c.code: c.evidence for c in assess_legacy(whole, policy).impact}
    by_decimal = {c.code: c.evidence for c in assess_legacy(decimal, policy).impact}
    assert by_whole["C5"] == "1,000 users affected"
    assert by_decimal["C5"] == "1,000.0 users affected"


def test_a_policy_of_another_date_shares_nothing_with_this_one() -> None:
    system = facts(components=[component("Windows Server 2012 R2")], users=10)
    early, late = load_policy(as_of=dt.date(2020, 1, 1)), load_policy(as_of=AS_OF)
    before = assess_legacy(system, early).likelihood[0]
    after = assess_legacy(system, late).likelihood[0]
    assert before.value is not None and after.value is not None
    assert before.value < after.value


def test_results_built_in_bulk_equal_their_constructors() -> None:
    values: dict[str, Any] = {
        "likelihood": (),
        "impact": (),
        "likelihood_total": 2.5,
        "impact_total": None,
        "overall": None,
        "band": None,
        "is_legacy": True,
        "contradictions": ("a flag",),
    }
    built = legacy_risk(**values)
    assert built == LegacyRisk(**values)
    assert hash(built) == hash(LegacyRisk(**values))
    assert repr(built) == repr(LegacyRisk(**values))
    assert [f.name for f in dataclasses.fields(LegacyRisk)] == list(values)
    readiness: dict[str, Any] = {
        "category": Readiness.READY,
        "score": 100,
        "reasons": (),
        "disposition": None,
        "disposition_reason": "why",
    }
    assert cloud_readiness(**readiness) == CloudReadiness(**readiness)
    assert [f.name for f in dataclasses.fields(CloudReadiness)] == list(readiness)


def test_a_component_on_paid_support_keeps_its_words_beside_one_that_is_not() -> None:
    # The same text, once dated by the catalogue (paid extended support to 2030) and once by
    # the department's own past date (no paid support): each system's gaps say its own.
    shared = load_policy(as_of=AS_OF)
    paid = facts(components=[component("Java 1.8", ComponentKind.RUNTIME)])
    ended = facts(components=[component("Java 1.8", ComponentKind.RUNTIME, dt.date(2022, 3, 31))])
    for system in (paid, ended, paid):
        assert assess_gaps(system, shared) == assess_gaps(system, load_policy(as_of=AS_OF))
    evidence = {g.evidence for g in assess_gaps(paid, shared) if g.principle is Principle.B4}
    assert evidence == {"out-of-support components: Java 1.8 (paid extended support only)"}


def test_a_policy_and_its_look_ups_are_freed_once_its_scores_are_dropped(demo_db: Path) -> None:
    """Scoring moves what it made out of the collector's sight (`collector_paused`), where a
    cycle is never freed: a policy's look-ups must not hold the policy in one, or a process
    that scores again and again (the terminal UI) keeps every earlier policy and all its
    look-ups hold (at 50,000 systems, 150 MB a scoring)."""
    engine = db.open_engine(demo_db)
    try:
        policy = load_policy(as_of=dt.date(2026, 11, 1))
        with engine.connect() as connection:
            scores = score_estate(connection, policy)
        assert len(scores.systems) > 100
        freed = weakref.ref(policy)
        del policy, scores
        assert freed() is None
    finally:
        engine.dispose()


def test_the_reasons_are_laid_out_once_and_only_for_the_systems_read(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scoring the estate works out every score and the priority's parts; the reasons in words
    are laid out when a reader first asks for a system's, and kept: a scoring that reads only
    the numbers (a trend's past periods) pays for no words."""
    laid_out: list[str] = []
    words = _Priority.reasons

    def counted(
        self: _Priority, score: SystemScore, contributions: Mapping[str, float]
    ) -> tuple[tuple[str, ...], str]:
        laid_out.append(score.key)
        return words(self, score, contributions)

    monkeypatch.setattr(_Priority, "reasons", counted)
    scores = scored_estate(demo_db, AS_OF)
    assert laid_out == []
    first = scores.systems[0]
    assert first.headline and first.reasons
    assert laid_out == [first.key]
    assert (first.reasons, first.headline) == words(
        _Priority(load_policy(as_of=AS_OF)), first, first.contributions
    )
    assert laid_out == [first.key]
