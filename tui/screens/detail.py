"""One system: every score explained, its components, gaps and plan, and its neighbours, one
keypress away (jump to a neighbour; escape comes back)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from estate import db, queries
from estate.errors import EstateError, NotFound
from estate.history.system import removed_in, system_history
from estate.ranking.snapshot import kept_rank
from estate.ranking.text_formats import system_dict
from estate.render.system import BAND_STYLE, render_scores, render_system
from estate.scoring import score_system
from estate.scoring.results import SystemScore
from estate.stages import is_gone
from estate.sustainability.render import render_carbon
from estate.sustainability.scored import system_carbon
from tui.data import RankedData
from tui.widgets.history_view import history_view

WIDE = 120
"""From this many columns the criteria are a table; narrower, a block each."""


class DetailScreen(Screen[None]):
    """A system's full explanation."""

    BINDINGS = [
        Binding("escape,backspace", "app.go_back", "Back"),
        Binding("e", "explore", "Dependencies"),
        Binding("n", "focus_neighbours", "Neighbours"),
    ]

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.alone: SystemScore | None = None
        """This system scored on its own while the estate's fresh scores are on their way."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield LoadingIndicator(id="loading")
        with Horizontal(id="detail"):
            with VerticalScroll(id="explanation"):
                yield Static(id="scores")
                yield Static(id="carbon")
                yield Static(id="facts")
                yield Static(history_view(None), id="history")
            yield OptionList(id="neighbours")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.key
        self.load()
        self.load_history()

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def load_history(self) -> None:
        """Read the system's history, period by period, in a worker of its own."""
        engine = db.open_engine(self.app.db_path)  # type: ignore[attr-defined]
        try:
            with engine.connect() as connection:
                try:
                    found = history_view(system_history(connection, self.key))
                except EstateError as exc:
                    found = history_view(None, str(exc))
        finally:
            engine.dispose()
        self.app.call_from_thread(self.query_one("#history", Static).update, found)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        """Read the stored system in a worker, with its own database session. While the
        estate is scored afresh from an unchanged kept ranking, score this system alone
        meanwhile, its place taken from that ranking: the explanation need not wait for every
        system's."""
        engine = db.open_engine(self.app.db_path)  # type: ignore[attr-defined]
        try:
            with Session(engine) as session:
                try:
                    detail = queries.describe_system(session, self.key)
                except NotFound:  # removed by a return, since or before the ranking shown
                    removed = removed_in(session.connection(), self.key)
                    self.app.call_from_thread(self.show_gone, removed and removed[1])
                    return
            self.app.call_from_thread(self.show, detail)
            if self._waiting():
                policy = self.app.policy  # type: ignore[attr-defined]
                with engine.connect() as connection:
                    rank = kept_rank(connection, policy, self.key)
                    if rank is None and is_gone(detail.get("lifecycle_status")):
                        rank = 0  # retired or cancelled: out of the ranking, explained alone
                    if rank is not None and self._waiting():
                        alone = score_system(connection, policy, self.key, rank)
                        if not get_current_worker().is_cancelled:
                            self.app.call_from_thread(self.show_alone, alone)
        finally:
            engine.dispose()

    def _waiting(self) -> bool:
        data: RankedData | None = self.app.data  # type: ignore[attr-defined]
        return data is None or data.score(self.key) is None

    def show_alone(self, score: SystemScore) -> None:
        """The explanation from this system scored alone, until the estate's arrive."""
        self.alone = score
        if self.is_attached:  # not left meanwhile
            self.show_scores(self.app.data)  # type: ignore[attr-defined]

    def show_gone(self, removed: str | None) -> None:
        """Say that the system is no longer in the estate: the period a return removed it in,
        its history shown below, or (its removal not kept, being within one period) that a
        return has replaced it since the ranking shown was scored."""
        self.query_one("#loading").display = False
        said = (
            f"{self.key} was removed from the estate in {removed}; its history is below."
            if removed
            else f"{self.key} is no longer in the estate: a return has replaced it since the "
            "ranking shown was scored."
        )
        self.query_one("#facts", Static).update(Text(said))

    def show(self, detail: dict[str, Any]) -> None:
        """Draw the stored facts and the neighbour list, and the explanation of the scores
        as soon as the estate is scored."""
        data = self.app.data  # type: ignore[attr-defined]
        self.query_one("#loading").display = False
        self.query_one("#facts", Static).update(render_system(detail))
        self.watch(self.app, "data", self.show_scores, init=True)
        options = self.query_one("#neighbours", OptionList)
        options.border_title = "Neighbours: legacy risk"
        options.clear_options()
        for heading, rows in (
            ("Depends on", detail["depends_on"]),
            ("Used by", detail["depended_on_by"]),
        ):
            options.add_option(Option(Text(heading, style="bold"), disabled=True))
            if not rows:
                options.add_option(Option(Text("  none", style="dim"), disabled=True))
            for row in rows:
                known = row["key"] in data.by_key
                band = data.band(row["key"])
                label = Text(f"{row['key']} ")
                shown = band or ("unknown" if known else "not in the estate")
                label.append(shown, style=BAND_STYLE.get(band, "yellow"))
                options.add_option(Option(label, id=row["key"], disabled=not known))
        self.query_one("#explanation").focus()

    def show_scores(self, data: RankedData | None) -> None:
        """The explanation of every score, or a word that it is on its way."""
        score = data.score(self.key) if data is not None else None
        score = score or self.alone
        scores = self.query_one("#scores", Static)
        if score is None:
            scores.update(Text("Scoring the estate: the explanation appears here in a moment."))
        else:
            compact = self.size.width < WIDE
            scores.update(render_scores(system_dict(score), compact=compact))
            policy = self.app.policy  # type: ignore[attr-defined]
            self.query_one("#carbon", Static).update(
                render_carbon(system_carbon(score, policy.as_of))
            )

    def on_resize(self) -> None:
        """Lay the explanation out afresh for the new width (blocks when narrow)."""
        if self.is_mounted and (self.alone is not None or self._shown()):
            self.show_scores(self.app.data)  # type: ignore[attr-defined]

    def _shown(self) -> bool:
        data: RankedData | None = self.app.data  # type: ignore[attr-defined]
        return data is not None and data.score(self.key) is not None

    @on(OptionList.OptionSelected, "#neighbours")
    def jump(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.open_system(event.option.id)  # type: ignore[attr-defined]

    def action_focus_neighbours(self) -> None:
        self.query_one("#neighbours").focus()

    def action_explore(self) -> None:

        if self.app.data is None:  # type: ignore[attr-defined]
            self.notify("The estate is still being read; the dependencies follow in a moment.")
            return
        self.app.open_explorer(self.key)  # type: ignore[attr-defined]
