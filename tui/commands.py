"""The command palette: every screen and action by name, the ranking's filters by department
and band, and any system by key or name (choosing one opens its explanation)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from estate.render.system import BAND_STYLE

if TYPE_CHECKING:
    from tui.app import EstateApp

COMMANDS = (
    ("Go to system…", "Find a system by key or name and open it (g)", "app.go_to_system"),
    ("Overview", "The estate at a glance (o)", "app.overview"),
    ("Ranking", "Systems by remediation priority (r)", "app.ranking"),
    ("Waves", "Migration waves of the systems the ranking shows (w)", "app.waves"),
    ("Dependency explorer", "What the current system depends on, what uses it (e)", "app.explore"),
    (
        "Technology portfolio",
        "Products and releases in use, and who runs them (p)",
        "app.portfolio",
    ),
    (
        "Changes since last period",
        "What moved: new and removed systems, band moves, upgrades, plans funded (c)",
        "app.changes",
    ),
    ("Import a return", "Check and import a departmental return (i)", "app.import_return"),
    ("Export the ranking", "The systems shown as xlsx, csv, json or markdown (x)", "app.export"),
    ("Clear the ranking's filters", "Show every system again", "app.clear_filters"),
    ("Help", "Keys and screens (?)", "app.help"),
    ("Toggle dark mode", "Switch between light and dark themes", "app.toggle_dark"),
)


class EstateCommands(Provider):
    """Offers the screens and actions by name, and the ranking narrowed to a department or
    band; systems are offered by `SystemCommands`."""

    def _estate(self) -> EstateApp:
        return cast("EstateApp", self.app)

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        for name, help_text, action in COMMANDS:
            yield name, help_text, partial(self.app.run_action, action)
        data = self._estate().data
        if data is None:
            return
        for field, label in (("department", "department"), ("band", "band")):
            for value in data.choices(field):
                yield (
                    f"Ranking: {label} {value}",
                    f"Only the systems of {label} {value}",
                    partial(self._estate().filter_ranking, field, value),
                )

    async def discover(self) -> Hits:
        for name, help_text, command in self._commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, command in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, text=name, help=help_text)


class SystemCommands(Provider):
    """Finds any system by key or name, fuzzily; the search runs in a thread, so a large
    estate never holds up the keys."""

    async def startup(self) -> None:
        """Index the systems as the palette opens, in a thread, before the first keystroke."""
        data = cast("EstateApp", self.app).data
        if data is not None:
            await asyncio.to_thread(lambda: data.finder)

    async def search(self, query: str) -> Hits:
        app = cast("EstateApp", self.app)
        data = app.data
        if data is None or len(query.strip()) < 1:
            return
        found = await asyncio.to_thread(data.find, query)
        for place, (score, index) in enumerate(found):
            row = data.rows[index]
            label = Text.assemble((row.key, "bold"), f"  {row.name}  ")
            label.append(row.band or "unknown", style=BAND_STYLE.get(row.band, "dim"))
            yield Hit(
                score - place / 1e4,  # the palette sorts by score alone: keep the order found
                label,
                partial(app.open_system, row.key),
                text=f"{row.key} {row.name}",
                help=f"Rank {row.rank:,} · priority {row.priority:.1f} · {row.department}",
            )
