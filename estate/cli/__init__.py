"""The `estate` command line."""

from estate.cli.base import cli
from estate.cli.main import main

__all__ = ["cli", "main"]
