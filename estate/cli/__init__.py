"""The `estate` command line."""

from estate.cli.main import cli, main

__all__ = ["cli", "main"]
