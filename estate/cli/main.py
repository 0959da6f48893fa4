"""The console-script entry point: the command group with every command module attached."""

from __future__ import annotations

from estate.cli import (
    board_commands,
    estate_commands,
    graph_commands,
    history_commands,
    import_commands,
    scoring_commands,
    tui_command,
)
from estate.cli.base import cli

COMMAND_MODULES = (
    board_commands,
    estate_commands,
    graph_commands,
    history_commands,
    import_commands,
    scoring_commands,
    tui_command,
)


def main() -> None:
    """Run the `estate` command line."""
    cli(prog_name="estate")
