"""The estate at a glance: systems by department and band, legacy share, cloud readiness,
the commonest security gaps and the data-quality warnings."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, LoadingIndicator, Static

from estate.ranking.figures import QUALITY_WARNINGS, EstateFigures
from estate.ranking.summary import BAND_ORDER
from estate.words import counted

BAR = "█"
UNKNOWN_BAND = "Unknown"
"""The legacy band of a system whose facts are too few to rate it."""
BAND_COLOURS = {
    "Red-rated": "red",
    "High": "dark_orange",
    "Medium": "yellow",
    "Low": "green",
    "Unknown": "grey50",
}
READINESS_COLOURS = {
    "Ready": "green",
    "Ready with conditions": "yellow",
    "Not ready": "red",
    "Unknown": "grey50",
}


def _bar(count: int, total: int, colour: str, width: int = 30) -> Text:
    size = round(width * count / total) if total else 0
    return Text(BAR * size, style=colour) + Text(f" {count:,}")


def overview(
    figures: EstateFigures,
    note: str = "",
    trend: RenderableType | None = None,
    carbon: RenderableType | None = None,
) -> RenderableType:
    """The overview as Rich renderables, from the estate's figures alone; `note` says, under
    the headline, anything the reader should know about them (that they are being updated).
    `trend`, the chart of the estate period by period, goes under the headline: whether the
    estate is getting better is the first thing a board asks. `carbon`, the estate's energy
    and carbon in a line, goes above it."""
    summary = figures.summary
    if not summary.systems:
        return Text.assemble(
            ("The estate is empty.", "bold"),
            "\n\nPress i to import a department's return (make one with `estate template`), "
            "or build the sample estate with `estate demo`.",
        )
    total = max(summary.systems, 1)
    head = Text.assemble(
        (counted(summary.systems, "system"), "bold"),
        " in ",
        (counted(len(summary.by_department), "department"), "bold"),
        f" · {summary.legacy:,} legacy ({100 * summary.legacy / total:.0f}%) · ",
        (f"{summary.by_band['Red-rated']:,} red-rated", "bold red"),
        f" ({summary.red_no_plan:,} with no plan, {summary.red_unfunded_plan:,} unfunded)",
        f"\nAs at {figures.as_of:%d/%m/%Y} · policy {figures.policy} · "
        f"catalogue {figures.catalogue}",
    )
    if note:
        head.append(f"\n{note}", style="italic yellow")
    departments = Table(title="Departments (red-rated first)", title_justify="left", expand=False)
    departments.add_column("Dept")
    departments.add_column("Systems", justify="right")
    # Every system is in one column: "Unknown" (a legacy band not known for want of facts)
    # joins the bands wherever a department has such a system.
    shown = [band.value for band in BAND_ORDER]
    if any(counts.get(UNKNOWN_BAND) for counts in figures.bands_by_department.values()):
        shown.append(UNKNOWN_BAND)
    for band_name in shown:
        departments.add_column(band_name, justify="right", style=BAND_COLOURS[band_name])
    for department, count, _red, _legacy in summary.by_department:
        per_band = figures.bands_by_department.get(department, {})
        departments.add_row(department, f"{count:,}", *(f"{per_band.get(b, 0):,}" for b in shown))
    bands = Table(title="Legacy risk bands", title_justify="left", show_header=False, box=None)
    for name, count in summary.by_band.items():
        bands.add_row(name, _bar(count, total, BAND_COLOURS[name]))
    readiness = Table(title="Cloud readiness", title_justify="left", show_header=False, box=None)
    for category, count in summary.by_readiness.items():
        readiness.add_row(category, _bar(count, total, READINESS_COLOURS[category]))
    top_gaps = Table(
        title="Commonest security gaps", title_justify="left", show_header=False, box=None
    )
    for gap in figures.top_gaps:
        top_gaps.add_row(f"{gap.code} {gap.label}", _bar(gap.systems, total, "magenta", 20))
    if not figures.top_gaps:
        top_gaps.add_row(Text("none found", style="dim"))
    warnings = Text("Data quality\n", style="bold")
    for name, text in QUALITY_WARNINGS.items():
        count = figures.quality.get(name, 0)
        warnings.append(f"  {count:>6,} ", style="yellow" if count else "green")
        warnings.append(text + "\n")
    riskiest = Text("Riskiest now (press r for the ranking)\n", style="bold")
    for s in figures.riskiest:
        riskiest.append(f"  {s.rank:>4}. {s.key} {s.name}: ", style="bold")
        riskiest.append(f"{s.headline}\n")
    parts: list[RenderableType] = [head, Text("")]
    if carbon is not None:
        parts += [carbon, Text("")]
    if trend is not None:
        parts += [trend, Text("")]
    parts += [riskiest, departments, bands, readiness, top_gaps, warnings]
    return Group(*parts)


class OverviewScreen(Screen[None]):
    """The first screen: the estate at a glance."""

    BINDINGS = [
        Binding("r", "app.ranking", "Ranking"),
        Binding("g", "app.go_to_system", "Go to system"),
        Binding("p", "app.portfolio", "Portfolio"),
        Binding("c", "app.changes", "Changes"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield LoadingIndicator(id="loading")
        yield Static(id="loading-status")
        with VerticalScroll(id="overview"):
            yield Static(id="overview-body")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "loading_status", self.show_progress, init=True)
        self.watch(self.app, "overview_body", self.show, init=True)

    def show_progress(self, status: str) -> None:
        """Say how far the load has got."""
        self.query_one("#loading-status", Static).update(status)

    def show(self, body: RenderableType | None) -> None:
        """Place the overview, built in the loading worker."""
        if body is None:
            return
        self.query_one("#loading").display = False
        self.query_one("#loading-status").display = False
        self.query_one("#overview-body", Static).update(body)
