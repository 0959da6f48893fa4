"""Import a department's return from the UI: pick the file, see the validation report and the
change set (a dry run), then confirm. Both steps run in a worker."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static
from textual.worker import Worker, WorkerState

from estate import db
from estate.errors import EstateError
from importers import ImportOptions, ImportResult, import_return


def report(result: ImportResult, dry_run: bool) -> Table:
    """The change set and problems of an import, as a table."""
    table = Table(title=_summary(result, dry_run), title_justify="left", expand=True)
    for heading in ("", "Where", "Found", "Problem"):
        table.add_column(heading, overflow="fold")
    for p in result.problems[:200]:
        where = f"{p.sheet or ''} row {p.row or '-'} col {p.column or '-'}"
        mark = "[red]error[/]" if p.severity.value == "error" else "[yellow]warning[/]"
        table.add_row(
            mark,
            where,
            p.value or "",
            p.message + (f" (expected {p.expected})" if p.expected else ""),
        )
    return table


def _summary(result: ImportResult, dry_run: bool) -> str:
    counts = result.changes.summary() if result.changes else {}
    text = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
    verdict = (
        "dry run, nothing written" if dry_run else ("stored" if result.stored else "NOT stored")
    )
    return f"{result.file.name} ({result.department}): {text}; {verdict}"


class ImportDialog(ModalScreen[bool]):
    """Check, then import, one return file; dismisses with True when something was stored."""

    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Import a departmental return (.xlsx, .xlsm or .csv)", classes="title")
            yield Input(placeholder="Path to the return file", id="path")
            yield Checkbox("Store the valid rows even if some rows have errors", id="skip-invalid")
            with Horizontal(classes="buttons"):
                yield Button("Check (dry run)", id="check", variant="primary")
                yield Button("Import", id="import", variant="success", disabled=True)
                yield Button("Cancel", id="cancel")
            with VerticalScroll(id="report-scroll"):
                yield Static(id="report")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#check")
    def check(self) -> None:
        self.query_one("#import", Button).disabled = True
        self.query_one("#report", Static).update("Checking…")
        self.run_import(dry_run=True)

    @on(Button.Pressed, "#import")
    def confirm(self) -> None:
        self.query_one("#report", Static).update("Importing…")
        self.run_import(dry_run=False)

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(False)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run_import(self, dry_run: bool) -> tuple[ImportResult, bool] | None:
        """Run the importer in a worker with its own engine, saying how far it has got; the
        result, or None after saying why the file could not be read."""
        path = Path(self.query_one("#path", Input).value.strip()).expanduser()
        options = ImportOptions(
            dry_run=dry_run, skip_invalid=self.query_one("#skip-invalid", Checkbox).value
        )
        shown = self.query_one("#report", Static)

        def report_progress(stage: str, done: int, total: int) -> None:
            told = f"{stage}: {done:,} of {total:,} rows" if total > 1 else stage
            self.app.call_from_thread(shown.update, f"{told}...")

        try:
            engine = db.open_engine(self.app.db_path)  # type: ignore[attr-defined]
            try:
                result = import_return(engine, path, options, report_progress)
            finally:
                engine.dispose()
        except EstateError as exc:
            self.app.call_from_thread(shown.update, f"[red]{exc}[/]")
            return None
        return result, dry_run

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.SUCCESS and event.worker.result is not None:
            self.finished(*event.worker.result)

    def finished(self, result: ImportResult, dry_run: bool) -> None:
        """Show the report; after a clean check, offer the import."""
        self.query_one("#report", Static).update(report(result, dry_run))
        can_store = not result.errors or self.query_one("#skip-invalid", Checkbox).value
        self.query_one("#import", Button).disabled = not (dry_run and can_store)
        if not dry_run and result.stored:
            self.app.notify(f"Imported {result.file.name}; rescoring the estate.")
            self.dismiss(True)
