"""SVG snapshots of every main screen at 80 x 24 (many terminals' size, and usual over SSH)
and at 200 x 55, on the sample estate: overview, ranking, detail, explorer, waves, changes,
portfolio, the import dialog before and after a check, the export dialog, help, and the ranking
reached again with `r` from a system. After a deliberate change, look at the report, then run pytest
with --snapshot-update."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input

from tests.returns import small_return, system
from tui.app import make_app

AS_OF = dt.date(2026, 11, 1)
SIZES = {"80x24": (80, 24), "200x55": (200, 55)}


async def _loaded(pilot: Pilot[Any]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    _steady_cursors(pilot)


def _steady_cursors(pilot: Pilot[Any]) -> None:
    """Stop the text cursors blinking: a blink every half second would make a snapshot depend
    on how long the machine took to get there."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


def _pressing(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Once the estate is scored, press each key in turn, letting the screen settle after."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await _loaded(pilot)
        for key in keys:
            await pilot.press(key)
            await _loaded(pilot)

    return run_before


async def _export(pilot: Pilot[Any]) -> None:
    await _pressing("r", "x")(pilot)
    # The path offered starts in the current folder: make it the same on every machine.
    pilot.app.screen.query_one("#path", Input).value = "remediation-priorities.xlsx"
    await pilot.pause()
    _steady_cursors(pilot)


async def _import_check(pilot: Pilot[Any]) -> None:
    """The import dialog after checking a return with rows it refuses: the report has the
    dialog to itself."""
    await _pressing("i")(pilot)
    folder = Path(tempfile.mkdtemp())
    rows = [system(f"DBP-{n}", hosting="Clowd" if n % 2 else "Cloud-ish") for n in range(1, 21)]
    source = small_return(folder / "r.xlsx", rows, dependencies=[], components=[])
    pilot.app.screen.query_one("#path", Input).value = str(source)
    await pilot.pause()
    pilot.app.screen.query_one("#check", Button).press()
    await _loaded(pilot)
    for _ in range(100):
        if pilot.app.screen.query_one("#dialog").has_class("reading"):
            break
        await pilot.pause(0.05)
    await _loaded(pilot)


SCREENS: dict[str, Callable[[Pilot[Any]], Awaitable[None]]] = {
    "overview": _pressing(),
    "ranking": _pressing("r"),
    "detail": _pressing("r", "enter"),
    "explorer": _pressing("r", "enter", "e"),
    "waves": _pressing("r", "w"),
    "import": _pressing("i"),
    "import-check": _import_check,
    "changes": _pressing("c"),
    "portfolio": _pressing("p"),
    "back-to-ranking": _pressing("r", "enter", "r"),
    "export": _export,
    "help": _pressing("question_mark"),
}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare: Any, demo_db: Path, screen: str, size: str) -> None:
    app = make_app(demo_db, as_of=AS_OF)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=SCREENS[screen])
