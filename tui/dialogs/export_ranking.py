"""Export the ranking as the table shows it, through the same function as `estate export`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from estate import db
from estate.access import reads_only
from estate.errors import EstateError
from estate.exports import ExportFormat, export_ranking
from estate.history.board import BoardHistory, board_history
from estate.history.from_ranking import ranked_outcomes, still_stored
from estate.portfolio import Portfolio, read_portfolio
from estate.scoring import EstateScores
from estate.words import counted

SUFFIX = {
    ExportFormat.XLSX: ".xlsx",
    ExportFormat.CSV: ".csv",
    ExportFormat.JSON: ".json",
    ExportFormat.MARKDOWN: ".md",
}


class ExportDialog(ModalScreen[Path | None]):
    """Choose a format and file; the export runs in a worker. `departments` are those the
    ranking is narrowed to: the trend and the changes exported are theirs (none: the whole
    estate's)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(
        self, selection: list[Any], description: str, departments: Sequence[str] = ()
    ) -> None:
        super().__init__()
        self.selection = selection
        self.description = description
        self.departments = tuple(departments)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(
                f"Export {counted(len(self.selection), 'system')} ({self.description})",
                classes="title",
            )
            yield Select(
                [(f.value, f.value) for f in ExportFormat],
                value=ExportFormat.XLSX.value,
                id="format",
                allow_blank=False,
            )
            yield Input(value=str(Path.cwd() / "remediation-priorities.xlsx"), id="path")
            with Horizontal(classes="buttons"):
                yield Button("Export", id="export", variant="primary")
                yield Button("Cancel", id="cancel")
            yield Static(id="result")

    @on(Select.Changed, "#format")
    def format_changed(self, event: Select.Changed) -> None:
        path_input = self.query_one("#path", Input)
        path_input.value = str(
            Path(path_input.value).with_suffix(SUFFIX[ExportFormat(str(event.value))])
        )

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#export")
    def start(self) -> None:
        self.query_one("#result", Static).update("Exporting…")
        self.export()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def export(self) -> Path | None:
        """Write the file in a worker; the path written, or None after saying what went wrong."""
        path = Path(self.query_one("#path", Input).value).expanduser()
        fmt = str(self.query_one("#format", Select).value)
        scores = self.app.scores  # type: ignore[attr-defined]
        result = self.query_one("#result", Static)

        def report(step: str, _done: int, _total: int) -> None:
            self.app.call_from_thread(result.update, f"Exporting: {step}...")

        try:
            export_ranking(
                scores,
                path,
                fmt,
                systems=self.selection,
                description=self.description,
                progress=report,
                portfolio=self._portfolio,
                history=self._history,
                reads_only=self._reads_only(),
            )
        except (EstateError, OSError) as exc:
            self.app.call_from_thread(result.update, f"[red]{exc}[/]")
            return None
        return path

    def _reads_only(self) -> str | None:
        """The department alone the connected role may read, if it is so limited: the pack
        then says its figures are that department's, not the estate's."""
        engine = db.open_engine(self.app.db_path)  # type: ignore[attr-defined]
        try:
            with engine.connect() as connection:
                return reads_only(connection)
        finally:
            engine.dispose()

    def _portfolio(self, keys: set[str]) -> Portfolio:
        """The technology the exported systems run, for the workbook's portfolio sheet."""
        engine = db.open_engine(self.app.db_path)  # type: ignore[attr-defined]
        try:
            with engine.connect() as connection:
                as_of = self.app.policy.as_of  # type: ignore[attr-defined]
                return read_portfolio(connection, as_of, systems=keys)
        finally:
            engine.dispose()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Report and close once the file is written (the worker has finished by then)."""
        path = event.worker.result
        if event.state is WorkerState.SUCCESS and isinstance(path, Path):
            self.app.notify(f"Exported {counted(len(self.selection), 'system')} to {path}")
            self.dismiss(path)

    def _history(self, scored: EstateScores) -> BoardHistory | None:
        """The trend and the changes since the last period of the estate, or of the departments
        the ranking is narrowed to, read from the figures kept by the overview's trend, for the
        workbook's sheets and the json and markdown; `scored`, the exported scores, may stand
        for the changes' later state."""
        engine = db.open_engine(self.app.db_path)  # type: ignore[attr-defined]
        try:
            return board_history(
                engine,
                scored.policy,
                departments=self.departments,
                scored=scored,
                ranked=ranked_outcomes,
                as_stored=still_stored(engine, scored),
            )
        finally:
            engine.dispose()
