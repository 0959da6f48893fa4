"""`estate rank`, `show` scores, `policy` and `catalogue` through the entry point."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from estate import db
from estate.cli import scored as cli_scored
from estate.enums import ComponentKind
from estate.errors import NotFound
from estate.ranking.snapshot import fresh_snapshot, ranked_rows
from estate.scoring import score_estate, score_system
from estate.scoring.policy import load_policy
from estate.scoring.serialise import score_dict
from tests.conftest import IN_SERVICE, Run
from tests.returns import small_return
from tests.returns import system as system_row

AS_OF = ("--as-of", "2026-11-01")


def _rank(run: Run, db: Path, *args: str) -> dict[str, Any]:
    result = run("--db", db, "rank", "--json", *AS_OF, *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_rank_puts_what_an_architect_would_worry_about_first(run: Run, demo_db: Path) -> None:
    ranking = _rank(run, demo_db)
    assert ranking["as_of"] == "2026-11-01" and ranking["policy"] == "default 2026.1"
    systems = ranking["systems"]
    assert [s["rank"] for s in systems] == list(range(1, len(systems) + 1))
    priorities = [s["priority"] for s in systems]
    assert priorities == sorted(priorities, reverse=True)
    top = systems[:10]
    assert all(s["legacy"]["band"] in ("Red-rated", "High") for s in top)
    assert all(s["legacy"]["is_legacy"] for s in top)
    assert all(s["reasons"] for s in top)
    bottom = systems[-10:]
    assert not any(s["legacy"]["band"] == "Red-rated" for s in bottom)
    red = [s for s in systems if s["legacy"]["band"] == "Red-rated"]
    assert red and sum(s["rank"] for s in red) / len(red) < len(systems) / 3


def test_the_headline_counts_the_security_gaps_that_put_a_system_there(
    run: Run, demo_db: Path
) -> None:
    """A system ranked partly for its security gaps, none of them high, is not said to be
    there for "0 high security gaps"."""
    systems = _rank(run, demo_db)["systems"]
    assert not [s["key"] for s in systems if "0 high security gaps" in s["headline"]]
    medium = [
        s
        for s in systems
        if "security gap" in s["headline"] and "high security gap" not in s["headline"]
    ]
    assert medium
    for system in medium:
        gaps = len(system["security_gaps"])
        assert (f"{gaps} security gap" in system["headline"]) and gaps > 0


def test_rank_is_deterministic(run: Run, demo_db: Path) -> None:
    first = run("--db", demo_db, "rank", "--json", *AS_OF).stdout
    assert run("--db", demo_db, "rank", "--json", *AS_OF).stdout == first


def test_rank_filters(run: Run, demo_db: Path) -> None:
    red = _rank(run, demo_db, "--band", "red", "--department", "dbp", "--top", "3")["systems"]
    assert 0 < len(red) <= 3
    assert {(s["department"], s["legacy"]["band"]) for s in red} == {("DBP", "Red-rated")}
    bad = run("--db", demo_db, "rank", "--band", "purple")
    assert bad.exit_code == 1 and "not a band" in bad.stderr
    missing = run("--db", demo_db, "rank", "--department", "XYZ")
    assert missing.exit_code == 1 and "No department 'XYZ'" in missing.stderr


def test_rank_by_other_orders(run: Run, demo_db: Path) -> None:
    legacy = [s["legacy"]["overall"] or 0 for s in _rank(run, demo_db, "--by", "legacy")["systems"]]
    assert legacy == sorted(legacy, reverse=True)
    cloud = _rank(run, demo_db, "--by", "cloud")["systems"]
    assert cloud[0]["cloud"]["category"] == "Ready" and cloud[-1]["cloud"]["category"] == "Unknown"
    security = _rank(run, demo_db, "--by", "security")["systems"]
    assert len(security[0]["security_gaps"]) >= len(security[-1]["security_gaps"])


def test_rank_by_identity_lists_own_sign_in_by_department(run: Run, demo_db: Path) -> None:
    result = run("--db", demo_db, "rank", "--by", "identity", "--json", *AS_OF)
    groups = json.loads(result.stdout)
    assert groups and all(g["count"] == len(g["systems"]) for g in groups)
    per_department: dict[str, int] = {}
    for g in groups:
        per_department[g["department"]] = per_department.get(g["department"], 0) + g["count"]
    order = list(dict.fromkeys(g["department"] for g in groups))
    assert [per_department[d] for d in order] == sorted(per_department.values(), reverse=True)
    shown = {s["key"] for g in groups for s in g["systems"]}
    systems = {s["key"]: s for s in _rank(run, demo_db)["systems"]}
    assert all(systems[key]["sign_in"] == "Own accounts" for key in shown)
    assert len(shown) == sum(1 for s in systems.values() if s["sign_in"] == "Own accounts")
    table = run("--db", demo_db, "rank", "--by", "identity")
    assert "GOV.UK One Login" in table.stdout and "..." not in table.stdout


def test_rank_by_identity_splits_citizen_from_staff_sign_in_and_honours_csv(
    run: Run, demo_db: Path
) -> None:
    engine = db.open_engine(demo_db)
    with engine.connect() as connection:
        facing: dict[str, int | None] = dict(
            connection.exec_driver_sql(
                "SELECT o.code || '/' || s.reference, s.internet_facing FROM system s "
                "JOIN organisation o ON o.id = s.organisation_id WHERE s.sign_in = 'Own accounts' "
                f"AND {IN_SERVICE}"
            ).all()
        )
    engine.dispose()
    result = run("--db", demo_db, "rank", "--by", "identity", "--csv", *AS_OF)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["key"] for r in rows} == set(facing), "every system listed, none cut off"
    for row in rows:
        citizen = bool(facing[row["key"]])
        assert row["audience"] == ("Citizen-facing" if citizen else "Staff-facing"), row
        assert row["candidate_for"] == (
            "GOV.UK One Login" if citizen else "the department's directory"
        )
    assert {r["audience"] for r in rows} == {"Citizen-facing", "Staff-facing"}
    largest = max(
        (
            g
            for g in json.loads(
                run("--db", demo_db, "rank", "--by", "identity", "--json", *AS_OF).stdout
            )
        ),
        key=lambda g: g["count"],
    )
    assert largest["count"] > 5
    table = run("--db", demo_db, "rank", "--by", "identity").stdout
    assert all(s["key"] in "".join(table.split()) for s in largest["systems"])


def test_rank_csv_is_parseable_and_neutralised(run: Run, demo_db: Path) -> None:
    result = run("--db", demo_db, "rank", "--csv", "--top", "5", *AS_OF)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 5 and rows[0]["rank"] == "1"
    assert not any(v.startswith(("=", "+", "@")) for row in rows for v in row.values())


def test_rank_table_is_readable(run: Run, demo_db: Path) -> None:
    result = run("--db", demo_db, "rank", "--top", "3", *AS_OF)
    assert "3 systems by priority as at 01/11/2026" in result.stdout


def test_a_policy_changes_the_ranking_as_documented(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    policy = tmp_path / "legacy-only.toml"
    policy.write_text(
        "[priority.weights]\nlegacy = 1.0\nsecurity = 0.0\ncloud = 0.0\ncriticality = 0.0\n"
        "dependents = 0.0\n"
    )
    systems = _rank(run, demo_db, "--policy", str(policy))["systems"]
    for system in systems:
        expected = round(100 * (system["legacy"]["overall"] or 0) / 30, 1)
        assert abs(system["priority"] - expected) <= 0.11, system["key"]  # overall is rounded
    assert [s["priority"] for s in systems] == sorted(
        (s["priority"] for s in systems), reverse=True
    )
    strict = tmp_path / "strict.toml"
    strict.write_text("[legacy]\nred_from = 8\n")
    default_red = sum(
        1 for s in _rank(run, demo_db)["systems"] if s["legacy"]["band"] == "Red-rated"
    )
    strict_red = sum(
        1
        for s in _rank(run, demo_db, "--policy", str(strict))["systems"]
        if s["legacy"]["band"] == "Red-rated"
    )
    assert strict_red > default_red


def test_show_json_explains_every_score(run: Run, demo_db: Path) -> None:
    first = _rank(run, demo_db, "--top", "1")["systems"][0]
    detail = json.loads(run("--db", demo_db, "show", first["key"], "--json", *AS_OF).stdout)
    scores = detail["scores"]
    assert scores == first
    codes = [c["code"] for c in scores["legacy"]["likelihood"] + scores["legacy"]["impact"]]
    assert codes == ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "C1", "C2", "C3", "C4", "C5", "C6"]
    assert all(
        c["source"] in ("self-assessed", "derived", "unknown")
        for c in scores["legacy"]["likelihood"]
    )
    assert all(c["evidence"] for c in scores["legacy"]["likelihood"])


def test_show_reads_as_an_argument(run: Run, demo_db: Path) -> None:
    first = _rank(run, demo_db, "--top", "1")["systems"][0]
    text = run("--db", demo_db, "show", first["key"], *AS_OF).stdout
    for phrase in (
        "Priority",
        "Legacy risk",
        "Evidence",
        "Cloud readiness",
        "Suggested disposition",
        "Security gaps",
    ):
        assert phrase in text


def test_policy_show_prints_the_documented_default(run: Run, tmp_path: Path) -> None:
    result = run("policy", "show")
    assert result.exit_code == 0
    assert "red_from = 16" in result.stdout and "# The date scores are taken at" in result.stdout
    custom = tmp_path / "p.toml"
    custom.write_text("[legacy]\nred_from = 12\n")
    merged = run("policy", "show", "--policy", custom)
    assert "overrides: legacy" in merged.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text("[legacy]\nnope = 1\n")
    refused = run("policy", "show", "--policy", bad)
    assert refused.exit_code == 1 and "unknown policy key 'legacy.nope'" in refused.stderr


def test_catalogue_commands(run: Run, demo_db: Path) -> None:
    listing = json.loads(run("--db", demo_db, "catalogue", "show", "--json").stdout)
    assert len(listing) >= 50
    windows = json.loads(
        run("--db", demo_db, "catalogue", "show", "windows-server", "--json").stdout
    )
    r2 = next(r for r in windows["releases"] if r["cycle"] == "2008-r2")
    assert (r2["support_end"], r2["security_end"], r2["extended_end"]) == (
        "2015-01-13",
        "2020-01-14",
        "2023-01-10",
    )
    assert (
        "Windows Server 2008 R2 (security support ends 14/01/2020"
        in run("--db", demo_db, "catalogue", "match", "Win", "2008", "R2").stdout
    )
    nothing = run("--db", demo_db, "catalogue", "match", "Frobnicator 9")
    assert nothing.exit_code == 1 and "product not in the catalogue" in nothing.stderr
    unknown = run("--db", demo_db, "catalogue", "show", "frobnicator")
    assert unknown.exit_code == 1


def test_unmatched_components_are_listed_with_why_as_scoring_sees_them(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    def component(reference: str, product: str, **fields: Any) -> dict[str, Any]:
        kind = ComponentKind.APPLICATION
        row = {"department": "DBP", "reference": reference, "kind": kind, "product": product}
        return {**row, **fields}

    returned = small_return(
        tmp_path / "dbp.xlsx",
        [system_row("DBP-U1"), system_row("DBP-U2")],
        components=[
            component("DBP-U1", "Frobnicator", version="9"),
            component("DBP-U2", "Widgetron", end_of_support=dt.date(2027, 6, 30)),
        ],
        dependencies=[],
        security=[],
    )
    imported = run("--db", demo_db, "import", returned, "--quiet")
    assert imported.exit_code == 0, imported.output
    listed = json.loads(run("--db", demo_db, "catalogue", "unmatched", "--json").stdout)
    assert [row["system"] for row in listed] == ["DBP/DBP-U1"], "a date of its own places it"
    assert listed[0]["component"].startswith("Frobnicator 9: ")
    table = run("--db", demo_db, "catalogue", "unmatched").stdout
    assert "1 component not matched to the catalogue" in table
    scored = json.loads(run("--db", demo_db, "rank", "--json", *AS_OF).stdout)["systems"]
    from_scores = [
        {"system": s["key"], "component": text}
        for s in scored
        for text in s["unmatched_components"]
    ]
    assert listed == sorted(from_scores, key=lambda row: (row["system"], row["component"]))


def test_scoring_reports_its_progress_to_the_end(demo_db: Path) -> None:
    heard: list[tuple[str, int, int]] = []
    engine = db.open_engine(demo_db)
    with engine.connect() as connection:
        scores = score_estate(
            connection,
            load_policy(as_of=dt.date(2026, 11, 1)),
            lambda *told: heard.append(told),
        )
    engine.dispose()
    total = len(scores.systems)
    assert heard[0] == ("Reading the estate and its dependencies", 0, 1)
    assert heard[1] == ("Scoring systems", 0, total)
    assert heard[-1] == ("Scoring systems", total, total)
    done = [d for stage, d, _ in heard if stage == "Scoring systems"]
    assert done == sorted(done)


def test_a_terminal_sees_the_first_hundred_and_how_to_see_the_rest(
    run: Run, demo_db: Path, terminal: io.StringIO
) -> None:
    result = run("--db", demo_db, "rank", *AS_OF)
    assert result.exit_code == 0
    total = len(_rank(run, demo_db)["systems"])
    assert total > 100
    assert f"Showing the first 100 of {total}" in result.stderr
    table = terminal.getvalue()
    assert re.search(r"│ +100 │", table) and not re.search(r"│ +101 │", table)


def test_piped_output_has_every_row(run: Run, demo_db: Path) -> None:
    piped = run("--db", demo_db, "rank", *AS_OF)
    total = len(_rank(run, demo_db)["systems"])
    assert "Showing the first" not in piped.stderr
    assert re.search(rf"│ +{total} │", piped.stdout)


def test_rank_and_show_use_the_kept_ranking_until_the_estate_changes(
    run: Run,
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    forbid_scoring: Callable[[], None],
) -> None:
    shown = ("--db", demo_db, "show", "DBP/DBP-00002", "--json", *AS_OF)
    scored = run(*shown)  # nothing is kept yet: the whole estate is scored, and kept
    assert scored.exit_code == 0, scored.output
    table = ("--db", demo_db, "rank", "--top", "8", *AS_OF)
    first = run(*table)
    assert first.exit_code == 0, first.output

    forbid_scoring()
    again = run(*table)
    assert again.exit_code == 0, again.output
    assert again.stdout == first.stdout
    alone = run(*shown)  # scored alone, its rank from the kept ranking
    assert alone.exit_code == 0, alone.output
    assert alone.stdout == scored.stdout
    red = run("--db", demo_db, "rank", "--band", "red", "--department", "dbp", *AS_OF)
    assert red.exit_code == 0 and "DBP/" in red.stdout and "MOJ/" not in red.stdout
    assert run("--db", demo_db, "rank", "--department", "NOPE", *AS_OF).exit_code == 1
    monkeypatch.undo()

    # An import changes the estate: the kept ranking is out of date and is not printed.
    renamed = small_return(
        tmp_path / "dbp.xlsx",
        [system_row("DBP-00001", name="Renamed Payments Hub")],
        components=[],
        dependencies=[],
        security=[],
    )
    imported = run("--db", demo_db, "import", renamed, "--quiet")
    assert imported.exit_code == 0, imported.output
    after = run("--db", demo_db, "rank", *AS_OF)
    assert after.exit_code == 0 and "Renamed" in after.stdout
    # An import and another date are brought into the kept ranking without scoring the whole
    # estate again, and give what scoring it afresh gives.
    renamed = small_return(
        tmp_path / "dbp2.xlsx",
        [system_row("DBP-00001", name="Renamed Again")],
        components=[],
        dependencies=[],
        security=[],
    )
    assert run("--db", demo_db, "import", renamed, "--quiet").exit_code == 0
    forbid_scoring()
    assert run("--db", demo_db, "rank", "--top", "3", *AS_OF).exit_code == 0
    later = ("--db", demo_db, "rank", "--json", "--as-of", "2027-06-01")
    updated = run(*later)
    assert updated.exit_code == 0, updated.output
    monkeypatch.undo()
    with closing(sqlite3.connect(demo_db)) as raw, raw:
        raw.execute("DELETE FROM ranking_snapshot_row")
        raw.execute("DELETE FROM ranking_snapshot")
    assert run(*later).stdout == updated.stdout


def test_one_system_scored_alone_is_scored_as_in_the_whole_estate(demo_db: Path) -> None:
    policy = load_policy(as_of=dt.date(2026, 11, 1))
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            whole = score_estate(connection, policy)
            alone = [score_system(connection, policy, s.key, s.rank) for s in whole.systems]
            with pytest.raises(NotFound):
                score_system(connection, policy, "DBP/NOPE", 1)
    finally:
        engine.dispose()
    assert [score_dict(s) for s in alone] == [score_dict(s) for s in whole.systems]
    # Among them, systems whose readiness turns on systems they depend on.
    assert any("on premises (" in r.text for s in alone for r in s.readiness.reasons)


def test_a_system_scored_alone_is_not_kept_on_premises_by_one_retired(demo_db: Path) -> None:
    """A system retired or cancelled has left the estate's graph: one still depended on keeps
    nothing on premises, whether the dependent is scored with the whole estate or alone."""
    policy = load_policy(as_of=dt.date(2026, 11, 1))
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            before = score_estate(connection, policy)
        anchors = {
            key
            for s in before.systems
            for r in s.readiness.reasons
            if "on premises (" in r.text
            for key in re.findall(r"[A-Z]+/[A-Z]+-\d+", r.text)
        }
        assert anchors
        with engine.begin() as connection:
            for key in anchors:
                code, reference = key.split("/")
                connection.exec_driver_sql(
                    "UPDATE system SET lifecycle_status = 'Retired' WHERE reference = ? AND "
                    "organisation_id = (SELECT id FROM organisation WHERE code = ?)",
                    (reference, code),
                )
        with engine.connect() as connection:
            whole = score_estate(connection, policy)
            alone = [score_system(connection, policy, s.key, s.rank) for s in whole.systems]
    finally:
        engine.dispose()
    assert [score_dict(s) for s in alone] == [score_dict(s) for s in whole.systems]
    kept_on_premises = [r.text for s in whole.systems for r in s.readiness.reasons]
    assert not any(key in text for key in anchors for text in kept_on_premises)


def test_the_graph_is_handed_over_before_any_system_is_scored(demo_db: Path) -> None:
    heard: list[Any] = []
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            scores = score_estate(
                connection,
                load_policy(as_of=dt.date(2026, 11, 1)),
                progress=lambda stage, done, total: heard.append((stage, done)),
                graph_read=heard.append,
            )
    finally:
        engine.dispose()
    graphs = [i for i, told in enumerate(heard) if not isinstance(told, tuple)]
    assert len(graphs) == 1 and heard[graphs[0]] is scores.graph, "the graph the scores carry"
    assert graphs[0] < heard.index(("Scoring systems", 0))


def test_rank_csv_is_served_from_the_kept_ranking_with_the_scores_figures(
    run: Run, demo_db: Path, forbid_scoring: Callable[[], None]
) -> None:
    scored = _rank(run, demo_db)["systems"]  # scores the estate and keeps the ranking
    forbid_scoring()
    result = run("--db", demo_db, "rank", "--csv", *AS_OF)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["key"] for r in rows] == [s["key"] for s in scored]
    for row, system in zip(rows, scored, strict=True):
        cloud = system["cloud"]
        assert row["suggested_disposition"] == (cloud["suggested_disposition"] or "")
        assert row["suggested_disposition_words"] == cloud["suggested_disposition_words"]
        assert row["disposition_reason"] == cloud["disposition_reason"]
        assert row["top_reason"] == neutral(system["reasons"][0] if system["reasons"] else "")
        assert row["dependents"] == str((system["blast_radius"] or {}).get("total", 0))
        high = sum(1 for g in system["security_gaps"] if g["severity"] == "High")
        assert row["high_gaps"] == str(high)
        legacy = system["legacy"]["is_legacy"]  # unknown for a system of no known technology
        assert row["is_legacy"] == ("" if legacy is None else str(legacy))
        assert row["cloud_score"] == ("" if cloud["score"] is None else str(cloud["score"]))
        cost = system["annual_run_cost"]
        assert row["annual_run_cost"] == ("" if cost is None else str(cost))


def neutral(text: str) -> str:
    """Text as the CSV writes it: formula-like text neutralised."""
    from estate.files import neutralise

    return str(neutralise(text))


def _forget_kept_ranking(path: Path) -> None:
    with closing(sqlite3.connect(path)) as raw, raw:
        raw.execute("DELETE FROM ranking_snapshot_row")
        raw.execute("DELETE FROM ranking_snapshot")


RANK_VARIANTS = [
    (*by, *chosen, *output)
    for by in (("--by", "priority"), ("--by", "legacy"), ("--by", "cloud"), ("--by", "security"))
    for chosen in ((), ("--department", "dbp"), ("--band", "red", "--top", "4"), ("--top", "9"))
    for output in (("--json",), ("--csv",))
] + [("--by", "identity", *output) for output in (("--json",), ("--csv",), ())]


def test_rank_json_and_csv_from_the_kept_ranking_are_byte_identical_to_a_fresh_scoring(
    run: Run, demo_db: Path, monkeypatch: pytest.MonkeyPatch, forbid_scoring: Callable[[], None]
) -> None:
    fresh = {}
    _forget_kept_ranking(demo_db)

    # Nothing is kept while the fresh outputs are taken, so each variant scores the estate
    # afresh; keeping the same ranking once per variant would only repeat the work.
    def rows_alone(scores: Any, _basis: Any) -> SimpleNamespace:
        return SimpleNamespace(rows=ranked_rows(scores))

    monkeypatch.setattr(cli_scored, "take_snapshot", rows_alone)
    monkeypatch.setattr(cli_scored, "keep_snapshot", lambda *args: None)
    for variant in RANK_VARIANTS:
        result = run("--db", demo_db, "rank", *variant, *AS_OF)
        assert result.exit_code == 0, result.output
        fresh[variant] = result.stdout
    with closing(sqlite3.connect(demo_db)) as raw:
        assert raw.execute("SELECT count(*) FROM ranking_snapshot").fetchone() == (0,)
    monkeypatch.undo()
    assert run("--db", demo_db, "rank", *AS_OF).exit_code == 0  # scores once more, and keeps
    forbid_scoring()
    for variant in RANK_VARIANTS:
        kept = run("--db", demo_db, "rank", *variant, *AS_OF)
        assert kept.exit_code == 0, (variant, kept.output)
        assert kept.stdout == fresh[variant], variant
    by_security = json.loads(fresh["--by", "security", "--top", "9", "--json"])["systems"]
    weights = [
        sum({"High": 3, "Medium": 2, "Low": 1}[g["severity"]] for g in s["security_gaps"])
        for s in by_security
    ]
    assert weights == sorted(weights, reverse=True) and len(weights) == 9
    assert run("--db", demo_db, "rank", "--json", "-d", "NOPE", *AS_OF).exit_code == 1


def test_an_empty_estate_says_so_from_a_fresh_and_a_kept_ranking(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    assert run("--db", path, "init").exit_code == 0
    for _ in ("scored", "kept"):
        listed = run("--db", path, "rank", "--csv", *AS_OF)
        assert listed.exit_code == 0 and listed.stdout == ""
        assert "The estate is empty" in listed.stderr
        board = run("--db", path, "contracts", "--csv", *AS_OF)
        assert board.exit_code == 0 and board.stdout == ""
        assert "The estate is empty" in board.stderr
        assert json.loads(run("--db", path, "rank", "--json", *AS_OF).stdout)["systems"] == []


def _rank_json(run: Run, database: Path, *extra: str | Path) -> dict[str, Any]:
    """`rank --json` of the whole estate as at `AS_OF`, read."""
    result = run("--db", database, "rank", "--json", *AS_OF, *extra)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_rank_json_scores_afresh_for_a_new_policy_and_brings_the_rest_up_to_date(
    run: Run, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scorings: list[object] = []
    real = score_estate

    def counted(*args: Any, **kwargs: Any) -> Any:
        scorings.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(cli_scored, "score_estate", counted)  # as the command line calls it

    ranked = functools.partial(_rank_json, run, demo_db)

    first = ranked()
    assert len(scorings) == 1
    assert ranked() == first and len(scorings) == 1, "served from the kept ranking"

    renamed = small_return(
        tmp_path / "dbp.xlsx",
        [system_row("DBP-00001", name="Renamed Payments Hub")],
        components=[],
        dependencies=[],
        security=[],
    )
    assert run("--db", demo_db, "import", renamed, "--quiet").exit_code == 0
    after_import = ranked()
    assert len(scorings) == 1, "an import rescores only the systems it reaches"
    names = {s["key"]: s["name"] for s in after_import["systems"]}
    assert names["DBP/DBP-00001"] == "Renamed Payments Hub"

    heavier = tmp_path / "policy.toml"
    heavier.write_text("[priority.weights]\nlegacy = 9\n", encoding="utf-8")
    weighted = ranked("--policy", heavier)
    assert len(scorings) == 2 and weighted["policy"] != after_import["policy"]
    assert ranked("--policy", heavier) == weighted and len(scorings) == 2
    assert ranked() == after_import and len(scorings) == 3, "the default policy again"

    lifecycle = tmp_path / "widgetos.json"
    lifecycle.write_text(json.dumps([{"cycle": "9", "eol": "2024-01-31"}]), encoding="utf-8")
    imported = run("--db", demo_db, "catalogue", "import", lifecycle, "--product", "widgetos")
    assert imported.exit_code == 0, imported.output
    recatalogued = ranked()
    assert len(scorings) == 3, "lifecycle data rescores only the systems it reaches"
    assert recatalogued["catalogue"].endswith("+imported")
    assert recatalogued["catalogue"] != after_import["catalogue"]
    assert recatalogued["systems"] == after_import["systems"], "no system runs WidgetOS"


@pytest.mark.parametrize(
    "options",
    [
        ("--top", "5"),
        ("--by", "legacy", "--top", "7"),
        ("--by", "cloud", "--band", "high", "--top", "4"),
        ("--by", "security", "--department", "moj", "--department", "DBP", "--top", "6"),
        ("--band", "red", "--department", "dbp"),
        ("--band", "low", "--by", "security"),
        ("--csv", "--by", "cloud", "--top", "9"),
    ],
)
def test_the_rank_table_chosen_by_the_database_is_the_table_of_a_fresh_scoring(
    run: Run, demo_db: Path, options: tuple[str, ...]
) -> None:
    """The table (and `--csv`) from the kept ranking reads only the systems chosen, sorted and
    cut by the database: it is the same as choosing them from a fresh scoring of the estate."""
    arguments = ("--db", demo_db, "rank", *options, *AS_OF)
    assert run(*arguments).exit_code == 0  # scored, and kept
    kept = run(*arguments)
    with closing(sqlite3.connect(demo_db)) as raw, raw:
        raw.execute("DELETE FROM ranking_snapshot_row")
        raw.execute("DELETE FROM ranking_snapshot")
    fresh = run(*arguments)
    assert kept.exit_code == fresh.exit_code == 0, kept.output
    assert kept.stdout == fresh.stdout
    assert kept.stdout.count("\n") > 3 or "--top" in options


def test_the_rank_table_of_an_empty_estate_says_so_whatever_is_asked(
    run: Run, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.db"
    assert run("--db", empty, "init").exit_code == 0
    for options in ((), ("--department", "DBP", "--top", "3"), ("--band", "red")):
        result = run("--db", empty, "rank", *options, *AS_OF)
        assert result.exit_code == 0, result.output
        assert result.stdout == ""
        assert "The estate is empty" in result.stderr


def test_a_policy_renamed_rescores_nothing_and_the_overview_names_it(
    run: Run, demo_db: Path, tmp_path: Path, forbid_scoring: Callable[[], None]
) -> None:
    # A policy file that changes only what the policy is called (its name, its version, or
    # the file itself) changes no score: the kept ranking is brought up to date without
    # scoring the estate again, and what names the policy names the new one.
    ranked = functools.partial(_rank_json, run, demo_db)

    default = ranked()
    forbid_scoring()
    renamed = tmp_path / "board-2027.toml"
    renamed.write_text('name = "board"\nversion = "2027.1"\n', encoding="utf-8")
    named = ranked("--policy", renamed)
    assert named["policy"].startswith("board 2027.1 with board-2027.toml over the default")
    assert named["systems"] == default["systems"]
    engine = db.open_engine(demo_db)
    with engine.connect() as connection:
        policy = load_policy(renamed, as_of=dt.date.fromisoformat(AS_OF[1]))
        kept = fresh_snapshot(connection, policy)
    engine.dispose()
    assert kept is not None and kept.figures.policy == named["policy"], "the overview's"
    again = tmp_path / "board-2028.toml"
    again.write_text(renamed.read_text(encoding="utf-8"), encoding="utf-8")
    assert ranked("--policy", again)["policy"].startswith("board 2027.1 with board-2028.toml")
