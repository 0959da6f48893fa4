"""The command palette's estate commands."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

COMMANDS = (
    ("Overview", "The estate at a glance", "app.switch_mode('overview')"),
    ("Ranking", "Systems by remediation priority", "app.switch_mode('ranking')"),
    ("Import a return", "Check and import a departmental return", "app.import_return"),
    ("Export the ranking", "Write the systems shown to xlsx, csv, json or markdown", "app.export"),
    ("Technology portfolio", "Products and releases in use, and who runs them", "app.portfolio"),
    ("Help", "Keys and screens", "app.help"),
    ("Toggle dark mode", "Switch between light and dark themes", "app.toggle_dark"),
)


class EstateCommands(Provider):
    """Offers the main actions by name."""

    async def discover(self) -> Hits:
        for name, help_text, action in COMMANDS:
            yield DiscoveryHit(name, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, action in COMMANDS:
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(self.app.run_action, action),
                    help=help_text,
                )
