"""SVG snapshots of every main screen at 80 x 24 (many terminals' size, and usual over SSH)
and at 200 x 55, on the sample estate: overview, ranking, detail, explorer, waves, the import
and export dialogs, and help. After a deliberate change, look at the report, then run pytest
with --snapshot-update."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

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


SCREENS: dict[str, Callable[[Pilot[Any]], Awaitable[None]]] = {
    "overview": _pressing(),
    "ranking": _pressing("r"),
    "detail": _pressing("r", "enter"),
    "explorer": _pressing("r", "enter", "e"),
    "waves": _pressing("r", "w"),
    "import": _pressing("i"),
    "export": _export,
    "help": _pressing("question_mark"),
}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare: Any, demo_db: Path, screen: str, size: str) -> None:
    app = make_app(demo_db, as_of=AS_OF)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=SCREENS[screen])
