"""The console-script entry point."""

from __future__ import annotations

from estate.cli.base import cli


def main() -> None:
    """Run the `estate` command line."""
    cli(prog_name="estate")
