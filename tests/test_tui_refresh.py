"""The terminal UI notices another process's import, cheaply, and offers to refresh."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from estate import db
from importers import ImportOptions, import_return
from tui.app import make_app

AS_OF = dt.date(2026, 11, 1)


async def _until(pilot: Pilot[Any], condition: Any) -> bool:
    for _ in range(200):
        if condition():
            return True
        await pilot.pause(0.05)
    return False


def _messages(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


async def test_another_process_import_is_noticed_and_refreshed(
    demo_db: Path, tmp_path: Path
) -> None:
    app = make_app(demo_db, as_of=AS_OF)
    app.WATCH_SECONDS = 0.2
    async with app.run_test(size=(130, 42)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert app.data is not None
        before = len(app.data.rows)
        await pilot.pause(0.5)
        assert not [m for m in _messages(app) if "changed" in m], "nothing changed yet"
        path = tmp_path / "dbp.csv"
        path.write_text(
            "Department,System reference,System name\nDBP,DBP-NEW-1,New Ledger\n",
            encoding="utf-8",
        )
        other = db.open_engine(demo_db)  # as another process would
        try:
            assert import_return(other, path, ImportOptions()).stored
        finally:
            other.dispose()
        assert await _until(pilot, lambda: any("has changed" in m for m in _messages(app)))
        await pilot.press("f5")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert app.data is not None and len(app.data.rows) == before + 1


async def test_the_apps_own_writes_are_not_announced(demo_db: Path) -> None:
    app = make_app(demo_db, as_of=AS_OF)
    app.WATCH_SECONDS = 0.2
    async with app.run_test(size=(130, 42)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(1.0)  # the kept ranking was written meanwhile: no import
        await pilot.app.workers.wait_for_complete()
        assert not [m for m in _messages(app) if "has changed" in m]
