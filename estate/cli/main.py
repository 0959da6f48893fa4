"""The console-script entry point."""

from __future__ import annotations

import warnings

from estate.cli.base import cli


def main() -> None:
    """Run the `estate` command line. Libraries' warnings (with their file paths) are not
    for the user: what matters of them estate checks itself and says in one line."""
    warnings.simplefilter("ignore")
    cli(prog_name="estate")
