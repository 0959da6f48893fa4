"""The migration waves of the systems the ranking shows now, planned in a worker. They need
only the ranking's priorities and the dependency graph, so a reopened estate shows them from
its kept ranking while it is scored afresh."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, LoadingIndicator, Static

from estate.costs import money
from estate.graph import EstateGraph
from estate.graph.waves import Wave, plan_waves
from estate.ranking.snapshot import RankedRow


class WavesScreen(Screen[None]):
    """Waves for a selection: dependencies first, cycles together."""

    BINDINGS = [Binding("escape,backspace", "app.go_back", "Back")]

    def __init__(self, selection: list[RankedRow], graph: EstateGraph, description: str) -> None:
        super().__init__()
        # A kept ranking can list a system deleted since; it has no place in the waves.
        nodes = graph.nodes
        self.selection = [s for s in selection if s.key in nodes and not nodes[s.key].placeholder]
        self.graph = graph
        self.description = description

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            f"Waves for {len(self.selection):,} systems ({self.description})", id="waves-title"
        )
        yield LoadingIndicator(id="loading")
        yield DataTable(id="waves", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.plan()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def plan(self) -> None:
        """Plan in a worker: a large selection takes a moment."""
        priority = {s.key: s.priority for s in self.selection}
        waves = plan_waves(self.graph.graph, list(priority), priority, max_size=50)
        self.app.call_from_thread(self.show, waves)

    def show(self, waves: list[Wave]) -> None:
        """Fill the table, one row per system."""
        self.query_one("#loading").display = False
        table = self.query_one("#waves", DataTable)
        if not waves:
            table.display = False
            self.query_one("#waves-title", Static).update(
                f"Waves: none ({self.description}): the ranking shows no systems to plan."
            )
            return
        table.add_columns(
            "Wave", "System", "Name", "Priority", "Annual run cost", "Moves with its cycle"
        )
        names = {s.key: s for s in self.selection}
        for wave in waves:
            grouped = {k for c in wave.clusters for k in c}
            table.add_rows(
                (
                    wave.number,
                    Text(key),
                    Text(names[key].name),
                    f"{names[key].priority:.1f}",
                    _cost(names[key].run_cost),
                    "yes" if key in grouped else "",
                )
                for key in wave.systems
            )
        table.focus()


def _cost(value: float | None) -> str:
    return "not known" if value is None else money(value)
