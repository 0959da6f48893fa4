"""The TUI's import dialog: department, mapping file, replace and skip-invalid, and the change
set shown before the user confirms."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button, Input, Static

from tests.conftest import Run
from tests.returns import small_return, system
from tests.test_tui import SIZE, _app, _loaded, _text
from tui.dialogs.import_return import ImportDialog


def _references(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT reference FROM system ORDER BY reference").fetchall()
    return [reference for (reference,) in rows]


async def _open_dialog(pilot: Pilot[Any], source: Path) -> ImportDialog:
    await _loaded(pilot)
    await pilot.press("i")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, ImportDialog)
    dialog.query_one("#path", Input).value = str(source)
    await pilot.pause()  # the change is handled before anything is checked
    return dialog


async def _type(pilot: Pilot[Any], widget: str, text: str) -> None:
    await pilot.click(widget)
    await pilot.press(*text)
    await pilot.pause()


def _report(dialog: ImportDialog) -> str:
    return " ".join(_text(dialog.query_one("#report", Static)).split())


async def _checked(pilot: Pilot[Any], dialog: ImportDialog) -> str:
    """Press Check, as a click does, and the report once the check has finished (a loaded
    machine may deliver the worker's result a moment after the worker ends)."""
    dialog.query_one("#check", Button).press()
    for _ in range(100):
        await _loaded(pilot)
        shown = _report(dialog)
        if shown and shown != "Checking…" and not shown.endswith("..."):  # not progress
            return shown
        await asyncio.sleep(0.05)
    raise AssertionError("the check never finished")


async def test_the_change_set_shows_before_a_replacing_import_is_confirmed(
    tmp_path: Path, run: Run
) -> None:
    path = tmp_path / "e.db"
    assert run("--db", path, "init").exit_code == 0
    assert run("--db", path, "import", small_return(tmp_path / "q1.xlsx")).exit_code == 0
    later = small_return(
        tmp_path / "q2.xlsx",
        [system("DBP-1", name="Renamed", annual_run_cost="£1.5m"), system("DBP-3")],
        dependencies=[],
    )
    app = _app(path)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _open_dialog(pilot, later)
        await _type(pilot, "#department", "dbp")
        await pilot.click("#replace")
        shown = await _checked(pilot, dialog)
        assert "1 new, 1 changed" in shown and "1 will be deleted (not in this return)" in shown
        assert "System name: System DBP-1 -> Renamed" in shown
        assert "Annual run cost (£): £250k -> £1.5m" in shown
        assert "DBP-3 System DBP-3 │ new" in shown
        assert "DBP-2 System DBP-2 │ will be deleted" in shown
        assert _references(path) == ["DBP-1", "DBP-2"], "a check writes nothing"
        await pilot.click("#import")
        await _loaded(pilot)
        assert not isinstance(app.screen, ImportDialog)
    assert _references(path) == ["DBP-1", "DBP-3"]


async def test_a_mapping_file_reads_the_departments_own_headers(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "e.db"
    assert run("--db", path, "init").exit_code == 0
    register = tmp_path / "register.csv"
    register.write_text("Department,Zeta Key,System name\nDBP,ZK-1,Payments\n", encoding="utf-8")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[systems]\n"Zeta Key" = "reference"\n', encoding="utf-8")
    app = _app(path)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _open_dialog(pilot, register)
        await _type(pilot, "#department", "DBP")
        await _type(pilot, "#mapping", str(tmp_path / "nowhere.toml"))
        assert "nowhere.toml" in await _checked(pilot, dialog)
        assert dialog.query_one("#import", Button).disabled
        dialog.query_one("#mapping", Input).value = str(mapping)
        await pilot.pause()
        assert "register.csv (DBP): 1 new" in await _checked(pilot, dialog)
        await pilot.click("#import")
        await _loaded(pilot)
    assert _references(path) == ["ZK-1"]


async def test_skip_invalid_and_any_changed_choice_need_a_new_check(
    tmp_path: Path, run: Run
) -> None:
    path = tmp_path / "e.db"
    assert run("--db", path, "init").exit_code == 0
    source = small_return(
        tmp_path / "r.xlsx", [system("DBP-1"), system("DBP-2", hosting="Clowd")], dependencies=[]
    )
    app = _app(path)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _open_dialog(pilot, source)
        importing = dialog.query_one("#import", Button)
        await _checked(pilot, dialog)
        assert "NOT stored" not in _report(dialog) and "J3 'Clowd'" in _report(dialog)
        assert importing.disabled, "errors, and the valid rows were not asked for"
        await pilot.press("ctrl+e")  # the choices, folded away while the report is read
        await pilot.click("#skip-invalid")
        await pilot.pause()
        assert importing.disabled, "a changed choice needs a new check"
        await _checked(pilot, dialog)
        assert not importing.disabled
        await pilot.press("ctrl+e")
        await _type(pilot, "#department", "X")
        await pilot.pause()
        assert importing.disabled
        dialog.query_one("#department", Input).value = ""
        await pilot.pause()
        await _checked(pilot, dialog)
        await pilot.click("#import")
        await _loaded(pilot)
    # The unreadable hosting cell is skipped, not the system: DBP-2 is stored, hosting unknown.
    assert _references(path) == ["DBP-1", "DBP-2"]


async def test_the_period_is_given_as_the_command_line_takes_it(tmp_path: Path, run: Run) -> None:
    """A return imported for a reporting period the user gives (in any way a cover sheet may
    write one); a period that is not a quarter is said, and nothing is checked or stored."""
    path = tmp_path / "e.db"
    assert run("--db", path, "init").exit_code == 0
    source = small_return(tmp_path / "r.xlsx", dependencies=[])
    app = _app(path)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _open_dialog(pilot, source)
        await _type(pilot, "#period", "Q5 2026")
        shown = await _checked(pilot, dialog)
        assert "Period 'Q5 2026' is not a quarter (a year has Q1 to Q4)" in shown
        assert dialog.query_one("#import", Button).disabled
        dialog.query_one("#period", Input).value = "Jan-Mar 2026"
        await pilot.pause()
        assert "dry run for 2026-Q1" in await _checked(pilot, dialog)
        await pilot.click("#import")
        await _loaded(pilot)
    with closing(sqlite3.connect(path)) as connection:
        periods = connection.execute("SELECT DISTINCT period FROM import_batch").fetchall()
    assert periods == [("2026-Q1",)]


async def test_at_80_by_24_a_checks_reasons_take_the_dialog_and_scroll_from_the_keyboard(
    tmp_path: Path, run: Run
) -> None:
    path = tmp_path / "e.db"
    assert run("--db", path, "init").exit_code == 0
    rows = [system(f"DBP-{n}", hosting="Clowd" if n % 2 else "Cloud-ish") for n in range(1, 31)]
    source = small_return(tmp_path / "r.xlsx", rows, dependencies=[], components=[])
    app = _app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _open_dialog(pilot, source)
        shown = await _checked(pilot, dialog)
        assert "'Clowd'" in shown
        scroll = dialog.query_one("#report-scroll")
        assert not dialog.query_one("#path").display or not dialog.query_one("#choices").display
        assert scroll.region.height >= 14, "the report has the dialog's space"
        assert app.focused is scroll, "it scrolls from the keyboard at once"
        hint = _text(dialog.query_one("#report-hint", Static))
        assert dialog.query_one("#report-hint").display and "ctrl+e" in hint
        assert "escape" in hint
        lines = _report_lines(dialog)
        visible = lines[: scroll.region.height]
        assert any("Clowd" in line for line in visible), "a reason readable without a key"
        assert scroll.max_scroll_y > 0, "more reasons than fit: enough to need scrolling"
        await pilot.press("pagedown")
        await pilot.pause()
        assert scroll.scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert dialog.query_one("#choices").display and app.focused is dialog.query_one("#path")
        await pilot.press("escape")
        assert not isinstance(app.screen, ImportDialog)


def _report_lines(dialog: ImportDialog) -> list[str]:
    """The report as the dialog lays it out, line by line."""
    report = dialog.query_one("#report", Static)
    return [strip.text for strip in report.render_lines(report.region.reset_offset)]
