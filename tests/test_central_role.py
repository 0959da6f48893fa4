"""A central role that is not a superuser builds the sample estate on PostgreSQL with `estate
demo` (as the README sets one up), and gets what the `central` fixture's copy of it gives."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.conftest import Run, central_role
from tests.postgres import Server

pytestmark = pytest.mark.postgres

COMPARED = (
    ["rank", "--json", "--as-of", "2026-11-01"],
    ["systems", "--json"],
    ["waves", "--json", "--as-of", "2026-11-01"],
)


def test_a_central_role_builds_the_sample_estate_the_copy_gives(
    run: Run, central: str, pg_server: Server, pg_database: Callable[[], str]
) -> None:
    built = central_role(pg_server, pg_database())
    made = run("--db", built, "demo")
    assert made.exit_code == 0, made.output
    for command in COMPARED:
        demo = run("--db", built, *command)
        copied = run("--db", central, *command)
        assert demo.exit_code == 0 and copied.exit_code == 0, (command, demo.output)
        assert demo.stdout == copied.stdout, command
    counts = [json.loads(run("--db", url, "stats", "--json").stdout) for url in (built, central)]
    for found in counts:
        found.pop("last_import")  # when each was built
    assert counts[0] == counts[1]
