"""The framework's edges, each as the framework or the README writes it: scores equal in its
arithmetic compare equal, ties, display precision, calendar-month bands, the financial bands'
boundaries, no impact for a system nothing is known about, self-assessments the inventory
contradicts, the policy named as applied, and readiness advice that fits the platform."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rich.console import Console

from estate import db
from estate.enums import ComponentKind, Criticality, Disposition, Hosting
from estate.render.system import render_scores
from estate.scoring import score_system
from estate.scoring.legacy import add_months, assess_legacy, band_of
from estate.scoring.policy import load_policy
from estate.scoring.readiness import assess_readiness
from estate.scoring.results import Band, Readiness, Source, score_text
from estate.scoring.serialise import score_dict
from tests.conftest import Run
from tests.returns import small_return
from tests.returns import system as system_row
from tests.scoring_facts import component, facts

AS_OF = dt.date(2026, 11, 1)
POLICY = load_policy(as_of=AS_OF)


def _scores(likelihood: list[int | None], impact: list[int | None]) -> dict[str, int]:
    values = {f"l{i}": v for i, v in enumerate(likelihood, start=1) if v is not None}
    values.update({f"c{i}": v for i, v in enumerate(impact, start=1) if v is not None})
    return values


# --- scores equal in the framework's arithmetic compare equal --------------------------------


def test_a_score_of_exactly_eight_is_eight_whatever_the_criteria() -> None:
    # L: 1, 1, 1, 3, 3 -> (9/5 + 3) / 2 = 2.4; C: 1, 1, 2, 4, 4, 4 -> (16/6 + 4) / 2 = 10/3;
    # overall 2.4 x 10/3 = 8 exactly. Worked in floating point it is 7.999999999999999: Medium.
    assert ((9 / 5 + 3) / 2) * ((16 / 6 + 4) / 2) < 8
    uneven = assess_legacy(facts(_scores([1, 1, 1, 3, 3], [1, 1, 2, 4, 4, 4])), POLICY)
    even = assess_legacy(facts(_scores([2] * 7, [4] * 6)), POLICY)
    assert uneven.overall == even.overall == 8.0
    assert uneven.band is even.band is Band.HIGH
    four = assess_legacy(facts(_scores([1, 1, 1, 3, 3], [1, 1, 1, 1, 2, 2])), POLICY)
    assert four.overall == 4.0 and four.band is Band.MEDIUM


def _totals(count: int, high: int) -> set[Fraction]:
    """Every category total (mean + highest) / 2 that `count` criteria scored 1..high give."""
    found = set()
    for n in range(1, count + 1):
        for top in range(1, high + 1):
            for total in range(n - 1 + top, n * top + 1):
                found.add(Fraction(total + n * top, 2 * n))
    return found


def test_every_achievable_score_is_worked_out_exactly_and_banded_as_exact() -> None:
    # The scorer's overall for a sample of criteria is the exact fraction, rounded once.
    for values in ([1, 2, 2, 3, 3, 4, 6], [6, 5, 4, 3, 2, 1, 1], [3, 3, 3]):
        for impacts in ([1, 2, 3, 4, 5, 5], [2, 2, 3, 2, 2, 3], [5] * 6):
            risk = assess_legacy(facts(_scores(list(values), list(impacts))), POLICY)
            exact = _exact(values) * _exact(impacts)
            assert risk.overall == float(exact)
            assert risk.band is band_of(float(exact), POLICY)


def _exact(values: list[int]) -> Fraction:
    return (Fraction(sum(values), len(values)) + max(values)) / 2


def test_ties_are_broken_by_legacy_score_then_department_and_reference(
    run: Run, demo_db: Path
) -> None:
    ranked = json.loads(run("--db", demo_db, "rank", "--json", "--as-of", "2026-11-01").stdout)
    rows = ranked["systems"]
    for first, second in itertools.pairwise(rows):
        key = (-first["priority"], -(first["legacy"]["overall"] or 0.0))
        later = (-second["priority"], -(second["legacy"]["overall"] or 0.0))
        assert key <= later
        if key == later:
            assert (first["department"], first["reference"]) < (
                second["department"],
                second["reference"],
            )


# --- a score is shown with enough precision that its band never looks wrong ----------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [(15.98, "15.98"), (8.0, "8.0"), (12.5, "12.5"), (10 + 2 / 3, "10.67"), (16.0, "16.0")],
)
def test_scores_are_shown_with_the_precision_they_need(value: float, shown: str) -> None:
    assert score_text(value) == shown


def test_no_achievable_score_is_shown_in_another_band() -> None:
    for lt in _totals(7, 6):
        for ct in _totals(6, 5):
            value = float(lt * ct)
            assert band_of(float(score_text(value)), POLICY) is band_of(value, POLICY), value


# --- month bands count calendar months ------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (dt.date(2026, 7, 11), 3),  # six months and a day before 12/01: within 12 months
        (dt.date(2026, 7, 12), 4),  # exactly six calendar months before: within 6 months
        (dt.date(2026, 7, 13), 4),
    ],
)
def test_the_within_six_months_band_turns_on_the_calendar_month(
    as_of: dt.date, expected: int
) -> None:
    policy = load_policy(as_of=as_of)
    ends = component("Widget 1", end_of_support=dt.date(2027, 1, 12))
    risk = assess_legacy(facts(components=[ends]), policy)
    assert risk.likelihood[0].value == expected, risk.likelihood[0].evidence
    contract = assess_legacy(facts(contract_end=dt.date(2027, 1, 12)), policy)
    assert contract.likelihood[1].value == (3 if expected == 4 else 2)


def test_adding_months_keeps_to_the_end_of_shorter_months() -> None:
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)


# --- the financial bands' boundaries as the framework writes them --------------------------


@pytest.mark.parametrize(
    ("cost", "c3"),
    [
        (50_000_001, 5),
        (50_000_000, 4),  # "above £50m" is 5: exactly £50m is not above it
        (21_000_000, 4),
        (20_500_000, 4),  # between the bands: above £20m
        (20_000_000, 3),
        (11_000_000, 3),
        (10_000_000, 2),
        (5_000_000, 2),
        (4_999_999, 1),
    ],
)
def test_c3_bands_have_the_frameworks_boundaries(cost: int, c3: int) -> None:
    risk = assess_legacy(facts(annual_run_cost=cost), POLICY)
    assert risk.impact[2].value == c3


# --- no derived impact for a system nothing is known about ---------------------------------


def test_a_system_with_nothing_known_has_no_impact_total() -> None:
    risk = assess_legacy(facts(), POLICY)
    assert all(c.source is Source.UNKNOWN for c in risk.likelihood + risk.impact)
    assert (risk.impact_total, risk.overall, risk.band) == (None, None, None)


def test_dependents_alone_are_still_an_impact() -> None:
    risk = assess_legacy(facts(dependents=12), POLICY)
    assert risk.impact[5].value == 4 and risk.impact_total == 4.0 and risk.overall is None


# --- self-assessed scores the inventory contradicts ----------------------------------------


def test_a_contradicted_self_assessment_stands_and_is_flagged() -> None:
    risk = assess_legacy(facts(l1=2, components=[component("Windows Server 2003")]), POLICY)
    assert risk.likelihood[0].value == 2 and risk.likelihood[0].source is Source.SELF_ASSESSED
    assert len(risk.contradictions) == 1
    assert risk.contradictions[0].startswith("L1 End of life / end of support: self-assessed 2")
    assert "inventory gives 6" in risk.contradictions[0]


def test_a_self_assessment_close_to_the_inventory_is_not_flagged() -> None:
    risk = assess_legacy(facts(l1=5, components=[component("Windows Server 2003")]), POLICY)
    assert risk.contradictions == ()


def test_show_and_the_workbook_surface_the_contradiction(run: Run, tmp_path: Path) -> None:
    db_path = tmp_path / "e.db"
    assert run("--db", db_path, "init").exit_code == 0
    returned = small_return(
        tmp_path / "dbp.xlsx",
        [system_row("DBP-1", l1=2)],
        components=[
            {
                "department": "DBP",
                "reference": "DBP-1",
                "kind": ComponentKind.OS,
                "product": "Windows Server",
                "version": "2003",
            }
        ],
        dependencies=[],
        security=[],
    )
    imported = run("--db", db_path, "import", returned, "--quiet")
    assert imported.exit_code == 0, imported.output
    shown = run("--db", db_path, "show", "DBP/DBP-1", "--as-of", "2026-11-01")
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.stdout.split())
    assert "Data quality: L1 End of life / end of support: self-assessed 2" in text
    assert "2/6" in text, "the department's score stands"
    # The TUI's detail screen shows a system's scores through the same renderer.
    engine = db.open_engine(db_path)
    with engine.connect() as connection:
        score = score_system(connection, POLICY, "DBP/DBP-1", 1)
    engine.dispose()
    printed = io.StringIO()
    Console(file=printed, width=200, color_system=None).print(render_scores(score_dict(score)))
    assert "Data quality: L1 End of life / end of support: self-assessed 2" in printed.getvalue()
    as_json = json.loads(run("--db", db_path, "show", "DBP/DBP-1", "--json").stdout)
    assert as_json["scores"]["legacy"]["contradictions"][0].startswith("L1 ")
    book = tmp_path / "board.xlsx"
    assert run("--db", db_path, "export", book, "--as-of", "2026-11-01").exit_code == 0
    sheet = load_workbook(book, read_only=True)["Data quality"]
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    flagged = [r for r in rows if r[0] == "Self-assessment contradicted"]
    assert len(flagged) == 1 and flagged[0][1] == "DBP/DBP-1"
    assert "the department's score stands" in str(flagged[0][3])


# --- the policy named as it was applied ----------------------------------------------------


def test_rank_json_names_the_policy_file_that_changed_the_result(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    default = json.loads(run("--db", demo_db, "rank", "--json", "--top", "1").stdout)
    assert default["policy"] == "default 2026.1"
    strict = tmp_path / "strict.toml"
    strict.write_text("[legacy]\nred_from = 12\n", encoding="utf-8")
    other = tmp_path / "other.toml"
    other.write_text("[legacy]\nred_from = 10\n", encoding="utf-8")
    named = [
        json.loads(run("--db", demo_db, "rank", "--json", "--top", "1", "--policy", p).stdout)[
            "policy"
        ]
        for p in (strict, other)
    ]
    assert named[0].startswith("default 2026.1 with strict.toml over the default (")
    assert named[1].startswith("default 2026.1 with other.toml over the default (")
    assert named[0][-10:] != named[1][-10:], "different values, different digests"


# --- readiness advice that fits the platform -----------------------------------------------


def test_an_out_of_support_zos_is_not_told_to_upgrade_during_a_move() -> None:
    readiness = assess_readiness(
        facts(hosting=Hosting.ON_PREMISES, components=[component("z/OS 2.3")]), POLICY, set()
    )
    texts = [r.text for r in readiness.reasons]
    assert not any("move" in t for t in texts if t.startswith("operating system"))
    assert "operating system z/OS 2.3 is out of support: upgrade it where it runs" in texts


def test_unknown_readiness_gets_no_replatform() -> None:
    fact = facts(criticality=Criticality.CRITICAL, components=[component("Windows Server 2003")])
    readiness = assess_readiness(fact, POLICY, set())
    assert readiness.category is Readiness.UNKNOWN
    assert readiness.disposition is None
    assert readiness.disposition is not Disposition.REPLATFORM
    assert readiness.disposition_reason == "too little data to suggest one"
