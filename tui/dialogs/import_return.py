"""Import a department's return from the UI: pick the file and how to read it (department,
reporting period, mapping file, whether to store the valid rows, whether to delete what the
return no longer lists), see the problems and the change set (a dry run), then confirm. Both
steps run in a worker; changing any choice after a check asks for a new check before
importing."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static
from textual.worker import Worker, WorkerState

from estate import db
from estate.errors import EstateError
from estate.periods import parse_period
from estate.render.import_result import change_table, deleted_line, import_summary, problem_summary
from importers import ImportOptions, ImportResult, UserMapping, import_return, load_user_mapping


def report(result: ImportResult, dry_run: bool) -> RenderableType:
    """What a check or an import found: the verdict, the problems grouped by kind, and the
    change set (new systems, changed ones with their fields, those to be deleted)."""
    parts: list[RenderableType] = [Text(import_summary(result, dry_run), style="bold")]
    deleted = deleted_line(result)
    if deleted is not None:
        parts.append(Text(deleted))
    if result.problems:  # first: why rows were refused is what must be read
        parts.append(problem_summary(result.problems))
    changes = change_table(result)
    if changes is not None:
        parts.append(changes)
    return Group(*parts)


class ImportDialog(ModalScreen[bool]):
    """Check, then import, one return file; dismisses with True when something was stored."""

    BINDINGS = [
        Binding("escape", "dismiss(False)", "Cancel"),
        Binding("ctrl+e", "edit", "Edit the choices", show=False),
    ]
    READING = "reading"
    """The dialog's class while a check's report takes its space (the choices folded away)."""
    HINT = (
        "Up/down, page up/down: scroll the report · ctrl+e: back to the choices · "
        "Import stores it · escape: cancel"
    )

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Import a departmental return (.xlsx, .xlsm or .csv)", classes="title")
            with Vertical(id="choices"):
                yield Input(placeholder="Path to the return file", id="path")
                with Horizontal(classes="choices"):
                    yield Input(placeholder="Department (blank: the return's)", id="department")
                    yield Input(placeholder="Period (blank: the return's)", id="period")
                yield Input(placeholder="Mapping file (.toml), if any", id="mapping")
                with Horizontal(classes="choices"):
                    yield Checkbox("Store the valid rows", id="skip-invalid")
                    yield Checkbox("Delete systems not listed", id="replace")
            with Horizontal(classes="buttons"):
                yield Button("Check (dry run)", id="check", variant="primary")
                yield Button("Import", id="import", variant="success", disabled=True)
                yield Button("Cancel", id="cancel")
            yield Static(self.HINT, id="report-hint")
            with VerticalScroll(id="report-scroll"):
                yield Static(id="report")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#check")
    def check(self) -> None:
        self.query_one("#import", Button).disabled = True
        self.query_one("#report", Static).update("Checking…")
        self.run_import(dry_run=True)

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def choices_changed(self) -> None:
        """What was checked is what is imported: a changed choice needs a new check."""
        self.query_one("#import", Button).disabled = True

    @on(Button.Pressed, "#import")
    def confirm(self) -> None:
        self.query_one("#report", Static).update("Importing…")
        self.run_import(dry_run=False)

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(False)

    def _options(self, dry_run: bool) -> ImportOptions:
        """The dialog's choices as import options; an unreadable mapping file raises
        `EstateError` with the reason."""
        mapping_text = self.query_one("#mapping", Input).value.strip()
        mapping = (
            load_user_mapping(Path(mapping_text).expanduser()) if mapping_text else UserMapping()
        )
        period = self.query_one("#period", Input).value.strip()
        return ImportOptions(
            department=self.query_one("#department", Input).value.strip() or None,
            period=parse_period(period, what="Period") if period else None,
            mapping=mapping,
            dry_run=dry_run,
            skip_invalid=self.query_one("#skip-invalid", Checkbox).value,
            replace=self.query_one("#replace", Checkbox).value,
        )

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run_import(self, dry_run: bool) -> tuple[ImportResult, bool] | None:
        """Run the importer in a worker with its own engine, saying how far it has got; the
        result, or None after saying why the file could not be read."""
        path = Path(self.query_one("#path", Input).value.strip()).expanduser()
        shown = self.query_one("#report", Static)

        def report_progress(stage: str, done: int, total: int) -> None:
            told = f"{stage}: {done:,} of {total:,} rows" if total > 1 else stage
            self.app.call_from_thread(shown.update, f"{told}...")

        try:
            options = self._options(dry_run)
            engine = db.open_engine(self.app.db_path)  # type: ignore[attr-defined]
            try:
                result = import_return(engine, path, options, report_progress)
            finally:
                engine.dispose()
        except EstateError as exc:
            self.app.call_from_thread(shown.update, Text(str(exc), style="red"))
            return None
        return result, dry_run

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.SUCCESS and event.worker.result is not None:
            self.finished(*event.worker.result)

    def finished(self, result: ImportResult, dry_run: bool) -> None:
        """Show the report; after a check that can be stored, offer the import. A report with
        changes or problems to read takes the dialog's space, the choices folded away, and
        scrolls from the keyboard at once (ctrl+e brings the choices back)."""
        self.query_one("#report", Static).update(report(result, dry_run))
        can_store = not result.errors or self.query_one("#skip-invalid", Checkbox).value
        self.query_one("#import", Button).disabled = not (dry_run and can_store)
        if dry_run and (result.problems or change_table(result) is not None):
            self.query_one("#dialog").add_class(self.READING)
            self.query_one("#report-scroll").focus()
        if not dry_run and result.stored:
            self.app.notify(f"Imported {result.file.name}; rescoring the estate.")
            self.dismiss(True)

    def action_edit(self) -> None:
        """Bring the choices back, folded away while a report was read."""
        self.query_one("#dialog").remove_class(self.READING)
        self.query_one("#path", Input).focus()
