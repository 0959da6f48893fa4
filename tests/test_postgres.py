"""PostgreSQL as an estate's database: the same results as SQLite from the same returns, and
one-line errors for a server that cannot be used."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from estate import db
from tests.conftest import Run

pytestmark = pytest.mark.postgres


def test_the_sample_returns_give_byte_for_byte_the_same_outputs_on_both_backends(
    run: Run, demo_db: Path, pg_url: str, tmp_path: Path
) -> None:
    built = run("--db", pg_url, "demo")
    assert built.exit_code == 0, built.output
    for command in (["rank", "--json"], ["waves", "--json"], ["trend", "--json"]):
        on_sqlite = run("--db", demo_db, *command)
        on_postgres = run("--db", pg_url, *command)
        assert on_sqlite.exit_code == on_postgres.exit_code == 0, on_postgres.output
        assert len(on_sqlite.stdout) > 1000
        assert on_postgres.stdout == on_sqlite.stdout, " ".join(command)
    exported = []
    for name, where in (("sqlite.json", demo_db), ("postgres.json", pg_url)):
        result = run("--db", where, "export", "--format", "json", tmp_path / name)
        assert result.exit_code == 0, result.output
        exported.append((tmp_path / name).read_bytes())
    assert len(exported[0]) > 1000 and exported[1] == exported[0]


def test_a_plain_postgresql_url_is_read_with_psycopg(pg_url: str, run: Run) -> None:
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    assert db.database_url(plain) == pg_url
    result = run("--db", plain, "init")
    assert result.exit_code == 0, result.output
    assert run("--db", pg_url, "stats", "--json").exit_code == 0


def test_a_server_that_cannot_be_reached_is_one_line_without_the_password(run: Run) -> None:
    result = run("--db", "postgresql://central:s3cret@127.0.0.1:1/estate", "stats")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: Cannot connect to postgresql")
    assert "s3cret" not in result.stderr and "central:***@127.0.0.1:1/estate" in result.stderr


def test_an_empty_postgresql_database_asks_for_estate_init(pg_url: str, run: Run) -> None:
    result = run("--db", pg_url, "stats")
    assert result.exit_code == 1
    assert "is empty; run `estate init`" in result.stderr


async def test_the_terminal_ui_opens_a_postgresql_estate_and_ranks_it_as_sqlite(
    run: Run, demo_db: Path, pg_url: str
) -> None:
    from textual.widgets import Static

    from tui.app import make_app
    from tui.widgets.ranked_table import RankedTable

    assert run("--db", pg_url, "demo").exit_code == 0
    shown = []
    for where in (demo_db, pg_url):
        app = make_app(where, as_of=dt.date(2026, 11, 1))
        async with app.run_test(size=(130, 42)) as pilot:
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("r")
            await pilot.pause()
            status = str(app.screen.query_one("#status", Static).content)
            assert status.startswith("Showing "), status
            scores = app.scores
            assert scores is not None
            first = app.screen.query_one(RankedTable).current_key
            shown.append((status, first, [(s.key, s.priority) for s in scores.systems]))
    assert len(shown[0][2]) > 100 and shown[1] == shown[0]


def test_bulk_rows_refused_by_postgresql_raise_as_core_raises_them(pg_url: str) -> None:
    import sqlalchemy as sa

    from estate import models
    from estate.enums import OrgKind

    engine = db.open_engine(pg_url, create=True)
    table = models.table_of(models.Organisation)
    rows = [(1, "HMT", "Treasury", OrgKind.DEPARTMENT)] * 2
    try:
        refused = pytest.raises(sa.exc.IntegrityError, match="duplicate key")
        with refused, engine.begin() as connection:
            db.insert_rows(connection, table, ["id", "code", "name", "kind"], rows)
        with engine.connect() as connection:
            assert connection.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0
    finally:
        engine.dispose()


def test_a_sort_the_size_of_a_large_kept_ranking_stays_in_memory(pg_url: str) -> None:
    """Reading 10,000 systems' kept rows in order sorts about 4.4 MB: estate's sessions sort
    that in memory, where the server's default `work_mem` (4 MB) spills it to disk."""
    import json

    import sqlalchemy as sa

    wide_rows = (
        "EXPLAIN (ANALYZE, FORMAT JSON) SELECT g, repeat(md5(g::text), 14) AS row_text "
        "FROM generate_series(1, 10000) AS g ORDER BY row_text"
    )

    def sort_space(connection: sa.Connection) -> str:
        plan = connection.exec_driver_sql(wide_rows).scalar()
        found = plan if isinstance(plan, list) else json.loads(str(plan))
        return str(found[0]["Plan"]["Sort Space Type"])

    engine = db.open_engine(pg_url, create=True)
    plain = sa.create_engine(pg_url)
    try:
        with plain.connect() as connection:
            assert sort_space(connection) == "Disk"
        with engine.connect() as connection:
            assert sort_space(connection) == "Memory"
    finally:
        engine.dispose()
        plain.dispose()


def test_moving_the_kept_rankings_places_writes_no_index_entry(pg_url: str, run: Run) -> None:
    """Moving places (most of the kept ranking shifts by a few when a few systems move) is a
    heap-only update on PostgreSQL, transaction after transaction: each moved row's new version
    goes on its own page and no index is written (but for the odd row whose page has no room
    left), and the rows keep their places."""
    import sqlalchemy as sa

    from estate.ranking.snapshot import SNAPSHOT_ROWS

    assert run("--db", pg_url, "demo").exit_code == 0
    assert run("--db", pg_url, "rank", "--top", "1").exit_code == 0  # keeps the ranking
    rank = SNAPSHOT_ROWS.c.rank
    counted = (
        "SELECT pg_stat_get_xact_tuples_updated(oid), pg_stat_get_xact_tuples_hot_updated(oid) "
        "FROM pg_class WHERE relname = 'ranking_snapshot_row'"
    )
    placed = sa.select(SNAPSHOT_ROWS.c.key, rank)
    engine = db.open_engine(pg_url)
    try:
        with engine.connect() as connection:
            before = dict(connection.execute(placed).all())
            indexed = sa.inspect(connection).get_indexes(SNAPSHOT_ROWS.name)
        assert len(before) > 100
        assert all(i["column_names"] != ["rank"] for i in indexed)
        places, last = dict(before), max(before.values())
        for shifts in (
            [{"low": 2, "high": last, "by": 3}],  # every system below the first moves down
            [{"low": 5, "high": last + 3, "by": -2}, {"low": 1, "high": 1, "by": 1}],
            [{"low": 2, "high": 2, "by": -1}, {"low": 3, "high": last + 1, "by": -1}],
        ):
            with engine.begin() as connection:
                start = connection.exec_driver_sql(counted).one()
                db.move_places(connection, rank, shifts)
                end = connection.exec_driver_sql(counted).one()
            updated, heap_only = (b - a for a, b in zip(start, end, strict=True))
            moved = 0
            for key, place in places.items():
                for run_ in shifts:
                    if run_["low"] <= place <= run_["high"]:
                        places[key], moved = place + run_["by"], moved + 1
            assert updated == moved > 100
            assert heap_only >= 0.95 * moved  # indexed, `rank` would leave none heap-only
        assert places == before
        with engine.connect() as connection:
            assert dict(connection.execute(placed).all()) == before
    finally:
        engine.dispose()


def test_opening_a_postgresql_estate_neither_lists_its_tables_nor_looks_up_hstore(
    pg_url: str, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An estate at its schema version is opened with its version record alone: no listing of
    the server's tables (asked only of a database with no record) and no look-up of the hstore
    type (no column is one), each a query of the catalogue on every command."""
    import sqlalchemy as sa
    from psycopg.types import TypeInfo

    assert run("--db", pg_url, "init").exit_code == 0
    listed: list[object] = []
    looked_up: list[str] = []
    tables = sa.engine.reflection.Inspector.get_table_names
    fetch = TypeInfo.fetch.__func__  # type: ignore[attr-defined]

    def listing(self: sa.Inspector, *args: object, **kwargs: object) -> list[str]:
        listed.append(self)
        return tables(self, *args, **kwargs)  # type: ignore[arg-type]

    def fetching(cls: type[TypeInfo], connection: object, name: str) -> object:
        looked_up.append(name)
        return fetch(cls, connection, name)

    monkeypatch.setattr(sa.engine.reflection.Inspector, "get_table_names", listing)
    monkeypatch.setattr(TypeInfo, "fetch", classmethod(fetching))
    engine = db.open_engine(pg_url)
    try:
        with engine.connect() as connection:
            assert db.read_schema_version(connection) == db.SCHEMA_VERSION
    finally:
        engine.dispose()
    assert listed == [] and looked_up == []
    # A database with no version record is still told apart as empty or not an estate's.
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE estate_version")
    empty = run("--db", pg_url, "stats")
    assert empty.exit_code == 1 and "not one made by estate" in empty.stderr
    assert len(listed) == 1


def test_the_first_few_kept_rows_are_sorted_by_key_alone_then_read_whole(
    pg_url: str, run: Run
) -> None:
    """`rank --top N` reads the kept rows it shows whole, but sorts the kept ranking with each
    row's key and what it is ordered by alone: sorting every row with all its columns to keep
    the first few took three times as long on PostgreSQL at 50,000 systems. The rows are those
    the whole ranking starts with, in each order and with the filters."""
    import json

    import sqlalchemy as sa

    from estate.ranking import RankBy
    from estate.ranking.snapshot import kept_ranked_rows
    from estate.scoring.policy import load_policy

    assert run("--db", pg_url, "demo").exit_code == 0
    as_of = dt.date(2026, 11, 1)
    assert run("--db", pg_url, "rank", "--top", "1", "--as-of", as_of.isoformat()).exit_code == 0
    policy = load_policy(as_of=as_of)
    engine = db.open_engine(pg_url)
    sent: list[tuple[str, dict[str, Any]]] = []

    def seen(*args: Any) -> None:
        statement, parameters = args[2], args[3]
        if "ranking_snapshot_row.explanation" in statement:
            sent.append((statement, parameters))

    def sorts(plan: dict[str, Any]) -> list[tuple[list[str], int]]:
        """Each sort of the plan: its columns and how many rows it was given."""
        found = []
        if plan["Node Type"] == "Sort":
            found.append((plan["Output"], sum(c["Actual Rows"] for c in plan["Plans"])))
        for child in plan.get("Plans", []):
            found += sorts(child)
        return found

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        with engine.connect() as connection:
            for by in RankBy:
                for departments, top in (((), 5), (("DBP", "moj"), 3)):
                    whole = kept_ranked_rows(connection, policy, by=by, departments=departments)
                    first = kept_ranked_rows(
                        connection, policy, by=by, departments=departments, top=top
                    )
                    assert whole is not None and first is not None
                    assert len(whole.rows) > top and first.rows == whole.rows[:top]
                    statement, parameters = sent[-1]
                    plan = connection.exec_driver_sql(
                        f"EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) {statement}", parameters
                    ).scalar()
                    found = plan if isinstance(plan, list) else json.loads(str(plan))
                    done = sorts(found[0]["Plan"])
                    assert max(given for _columns, given in done) > top  # the whole ranking
                    for columns, given in done:
                        assert given <= top or not any("explanation" in c for c in columns)
    finally:
        engine.dispose()
