"""The technology portfolio: each product line in use and its releases, with how many systems
and departments run them and how many are out of support or on paid extended support. From a
product or a release, the systems that run it are one key away, and from a system its
explanation. Read from the stored components in a worker; it needs no scoring. Under 120
columns the table takes the whole width and the systems list takes its place while open."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option

from estate import db
from estate.dates import uk_date
from estate.portfolio import EXTENDED, OUT_OF_SUPPORT, Portfolio, read_portfolio
from estate.words import counted

NARROW_FIGURES = (7, 5, 7, 13, 10)
"""The widths of the figure columns (systems, departments, out of support, paid extended,
security support ends): their headings' longer lines, or a date."""
SCROLLBAR = 2


class PortfolioScreen(Screen[None]):
    """Product lines and releases on the left; the systems running the highlighted one on the
    right."""

    BINDINGS = [
        Binding("escape,backspace", "back", "Back"),
        Binding("s", "focus_systems", "Systems"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.portfolio: Portfolio | None = None
        self.systems_of: dict[str, tuple[str, list[str]]] = {}
        """A table row's key -> (what it is, in words; the systems that run it)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the technology the estate runs...", id="portfolio-title")
        yield LoadingIndicator(id="loading")
        with Horizontal(id="portfolio-body"):
            yield DataTable(id="portfolio", cursor_type="row", header_height=2)
            with Horizontal(id="portfolio-side"):
                yield OptionList(id="portfolio-systems")
        yield Static(id="portfolio-candidates")
        yield Footer()

    def on_mount(self) -> None:
        self.read()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def read(self) -> None:
        """Read the portfolio in a worker: tens of thousands of components take a moment."""
        app = self.app
        engine = db.open_engine(app.db_path)  # type: ignore[attr-defined]
        try:
            with engine.connect() as connection:
                found = read_portfolio(connection, app.policy.as_of)  # type: ignore[attr-defined]
        finally:
            engine.dispose()
        self.app.call_from_thread(self.show, found)

    def system_name(self, key: str) -> str:
        """A system's name from the ranking's own index (blank before the ranking is read)."""
        data = getattr(self.app, "data", None)
        if data is None or (index := data.by_key.get(key)) is None:
            return ""
        return str(data.rows[index].name)

    def show(self, found: Portfolio) -> None:
        """Fill the table: a row per product line, then a row per release under it."""
        self.portfolio = found
        self.query_one("#loading").display = False
        self.query_one("#portfolio-title", Static).update(
            f"{counted(len(found.products), 'product line')} in use as at "
            f"{uk_date(found.as_of)}: enter lists the systems that run a product or release"
        )
        table = self.query_one("#portfolio", DataTable)
        table.add_column("Product / release", width=self._name_width(found))
        table.add_columns(
            "Systems",
            "Depts",
            _two_lines(OUT_OF_SUPPORT),
            _two_lines(EXTENDED),
            "Security\nends",
        )
        for p_index, product in enumerate(found.products):
            key = f"p{p_index}"
            self.systems_of[key] = (product.product, product.systems)
            table.add_row(
                Text(product.product, style="bold"),
                len(product.systems),
                len(product.departments),
                product.systems_in(OUT_OF_SUPPORT),
                product.systems_in(EXTENDED),
                "",
                height=None,
                key=key,
            )
            for r_index, release in enumerate(product.releases):
                key = f"p{p_index}r{r_index}"
                branch = "└" if r_index == len(product.releases) - 1 else "├"
                self.systems_of[key] = (release.release, release.systems)
                ends = release.security_end
                table.add_row(
                    Text(f"{branch} {release.release}"),
                    len(release.systems),
                    len(release.departments),
                    release.systems_in(OUT_OF_SUPPORT),
                    release.systems_in(EXTENDED),
                    uk_date(ends) if ends is not None else "not known",
                    height=None,
                    key=key,
                )
        self.query_one("#portfolio-candidates", Static).update(
            "Consolidation candidates:\n" + "\n".join(f"- {c.detail}" for c in found.candidates)
            if found.candidates
            else "No consolidation candidates."
        )
        table.focus()
        if found.products:
            self._list("p0")

    def _name_width(self, found: Portfolio) -> int | None:
        """The product column's width: on a narrow terminal what the figures leave (long
        names wrap), so every column is on screen; else as wide as the longest name."""
        if not self.has_class("-narrow"):
            return None
        figures = sum(NARROW_FIGURES) + 2 * (len(NARROW_FIGURES) + 1) + SCROLLBAR
        longest = max(
            (len(r.release) + 2 for p in found.products for r in p.releases),
            default=0,
        )
        longest = max(longest, *(len(p.product) for p in found.products), 0)
        return max(16, min(longest, self.size.width - figures))

    def _list(self, key: str) -> None:
        """Show the systems that run the product or release of table row `key`."""
        what, systems = self.systems_of[key]
        listing = self.query_one("#portfolio-systems", OptionList)
        listing.clear_options()
        listing.add_options(
            Option(f"{system} {self.system_name(system)}".rstrip(), id=system) for system in systems
        )
        listing.border_title = f"{counted(len(systems), 'system')} run {what}"

    @on(DataTable.RowHighlighted, "#portfolio")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._list(event.row_key.value)

    @on(DataTable.RowSelected, "#portfolio")
    def selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self._list(event.row_key.value)
            self.action_focus_systems()

    def action_back(self) -> None:
        """From the systems list on a narrow terminal, back to the table; else the screen
        before this one."""
        if self.has_class("listing"):
            self.remove_class("listing")
            self.query_one("#portfolio", DataTable).focus()
            return
        self.app.action_go_back()  # type: ignore[attr-defined]

    def action_focus_systems(self) -> None:
        """Move to the list of systems, to open one (on a narrow terminal, in the table's
        place)."""
        if self.has_class("-narrow"):
            self.add_class("listing")
        listing = self.query_one("#portfolio-systems", OptionList)
        listing.focus()
        if listing.option_count and listing.highlighted is None:
            listing.highlighted = 0

    @on(OptionList.OptionSelected, "#portfolio-systems")
    def open_system(self, event: OptionList.OptionSelected) -> None:

        if event.option.id is not None:
            self.app.open_system(event.option.id)  # type: ignore[attr-defined]


def _two_lines(heading: str) -> str:
    """A heading in the vocabulary's words over two lines, broken at the space that leaves its
    longer line shortest, so the column is as narrow as the words allow."""
    words = heading.split()
    breaks = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    if not breaks:
        return heading
    first, rest = min(breaks, key=lambda pair: max(len(pair[0]), len(pair[1])))
    return f"{first}\n{rest}"
