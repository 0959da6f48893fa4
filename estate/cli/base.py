"""The `estate` command group and the options its commands share.

Each command is a thin layer: it opens the database, calls one library function and prints the
result. Data goes to stdout, diagnostics to stderr. Exit codes: 0 success, 1 a user error (bad
input, failed validation, unusable database), 2 a usage error.

Commands are loaded lazily. The group knows each command's name, the module that defines it
and its one-line summary (`COMMANDS`), and imports the module only when that command runs or
its own help is asked for. So a command loads only the libraries it needs (an import never
loads scoring, the graph or the exports), and `estate --help` loads none of them. This module
itself imports nothing but click."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import click

from estate.errors import EstateError

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DB = "estate.db"
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"


class LazyCommand(NamedTuple):
    """Where a command is defined, and what `estate --help` says of it without loading it."""

    module: str
    summary: str
    """The first sentence of the command's help (a test holds the two together)."""


COMMANDS: dict[str, LazyCommand] = {
    "access": LazyCommand(
        "estate.cli.access_commands",
        "Department roles on a PostgreSQL estate: each changes only its own department's data.",
    ),
    "carbon": LazyCommand(
        "estate.cli.carbon_command",
        "The estate's energy, carbon and hardware past its life, by department, hosting and "
        "site, the largest emitters, and what the planned dispositions (with --suggested the "
        "suggested ones, with --waves the migration waves) would save; each figure with how it "
        "was worked out.",
    ),
    "catalogue": LazyCommand(
        "estate.cli.catalogue_commands",
        "The lifecycle catalogue: products, releases and their support end dates.",
    ),
    "changes": LazyCommand(
        "estate.cli.history_commands",
        "What changed since a period: new and removed systems, band moves with the criteria "
        "that moved them, components upgraded or gone out of support, plans newly funded, "
        "dependencies added or removed.",
    ),
    "contracts": LazyCommand(
        "estate.cli.board_commands",
        "Support contracts that have ended or end within --within months (each renewal the "
        "cheapest moment to replace a system), red-rated systems first, and how much run cost "
        "and how many red-rated systems each supplier holds.",
    ),
    "copy": LazyCommand(
        "estate.cli.estate_commands",
        "Copy the whole estate at SOURCE into TARGET, a new or empty database (a file path or "
        "a URL): how an SQLite estate moves onto a shared PostgreSQL server, and back.",
    ),
    "demo": LazyCommand(
        "estate.cli.estate_commands",
        "Build a database from the sample returns, through the real importer, and summarise it.",
    ),
    "export": LazyCommand(
        "estate.cli.export_command",
        "Write the prioritised remediation list: xlsx (a board workbook), csv, json or markdown.",
    ),
    "generate": LazyCommand(
        "estate.cli.estate_commands",
        "Write a realistic synthetic estate into OUT_DIR as departmental returns (deterministic).",
    ),
    "graph": LazyCommand(
        "estate.cli.graph_commands",
        "The dependency graph: what depends on what, across departments.",
    ),
    "history": LazyCommand(
        "estate.cli.history_commands",
        "One SYSTEM's (DEPT/REFERENCE) values period by period, each change with the file, "
        "sheet and cell it came from; a system since deleted keeps its past.",
    ),
    "import": LazyCommand(
        "estate.cli.import_commands",
        "Import departmental returns (.xlsx, .xlsm, .csv), each all-or-nothing.",
    ),
    "init": LazyCommand(
        "estate.cli.estate_commands",
        "Create an empty estate database (does nothing to one that exists).",
    ),
    "policy": LazyCommand(
        "estate.cli.catalogue_commands",
        "The scoring policy: weights, thresholds, derivation rules and the as-of date.",
    ),
    "portfolio": LazyCommand(
        "estate.cli.board_commands",
        "How much technology the estate runs: each product line in use and its releases, how "
        "many systems and departments run each, how many are out of support or on paid extended "
        "support, and the candidates for consolidation.",
    ),
    "rank": LazyCommand(
        "estate.cli.scoring_commands",
        "Systems in remediation priority order, with the reason each is where it is.",
    ),
    "show": LazyCommand(
        "estate.cli.show_command",
        "One SYSTEM (DEPT/REFERENCE): its scores explained, and everything stored about it "
        "with where each value came from.",
    ),
    "stats": LazyCommand(
        "estate.cli.estate_commands",
        "What the estate holds: counts by kind, department and hosting, and the systems "
        "retired or cancelled (out of the counts, kept in history) with the period each left.",
    ),
    "systems": LazyCommand(
        "estate.cli.estate_commands", "List systems, by department and reference."
    ),
    "template": LazyCommand(
        "estate.cli.template_command",
        "Write the official return workbook to OUT_FILE (.xlsx), blank or pre-filled.",
    ),
    "trend": LazyCommand(
        "estate.cli.history_commands",
        "Per period: systems, legacy and red-rated systems, annual run cost on legacy systems, "
        "the share of red-rated systems with a funded plan, the share ready for cloud and open "
        "security gaps; every period scored with today's policy and catalogue.",
    ),
    "tui": LazyCommand(
        "estate.cli.tui_command",
        "Open the terminal UI: overview, ranking, explanations, dependencies, import, export.",
    ),
    "upgrade": LazyCommand(
        "estate.cli.estate_commands",
        "Upgrade a database made by an older estate to this version's schema.",
    ),
    "validate": LazyCommand(
        "estate.cli.import_commands",
        "Check returns and show exactly what importing them would change; write nothing (but "
        "the --report and --write-mapping files).",
    ),
    "waves": LazyCommand(
        "estate.cli.graph_commands",
        "Migration waves: dependencies move first, cycles move together, waves capped in size.",
    ),
}


class EstateGroup(click.Group):
    """The top-level group: loads each command from `COMMANDS` when it is first asked for, and
    turns domain errors, and a database that cannot do what was asked (locked by another
    writer, read-only, out of space), into a one-line message and exit code 1, never a
    traceback. Every write is one transaction, so a refused write has stored nothing. A file
    the system refuses (missing, no permission, disk full) is one line too."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(COMMANDS[cmd_name].module)  # its commands register here
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `estate --help`, from the summaries: no command is loaded."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, self._summary(name).get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _summary(self, name: str) -> click.Command:
        if name in self.commands:
            return self.commands[name]
        return click.Command(name, help=COMMANDS[name].summary)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EstateError as exc:
            raise click.ClickException(str(exc)) from exc
        except BrokenPipeError:
            _reader_gone()
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(
                f"{where}{exc.strerror or exc}; check the path and its permissions."
            ) from exc
        except Exception as exc:
            message = _database_refusal(exc)
            if message is None:
                raise
            raise click.ClickException(message) from exc


def _reader_gone() -> None:
    """The program reading the output (`head`, a pager) stopped reading: it has what it wanted,
    so stop quietly, as a filter does, rather than report a broken pipe as a file error. What
    is still buffered for it is dropped, so exiting does not fail on it again."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise SystemExit(0)


def _database_refusal(exc: Exception) -> str | None:
    """What to tell a person when the database refused an operation; None for anything else.
    SQLAlchemy raised it only if it is loaded, so a command that never opened the database does
    not load SQLAlchemy to find out."""
    if "sqlalchemy" not in sys.modules:
        return None
    import sqlalchemy as sa

    if isinstance(exc, sa.exc.OperationalError):
        return (
            f"The estate database refused the operation ({exc.orig}); nothing was stored by "
            "it. If another program is writing to the database, try again when it has finished."
        )
    if isinstance(exc, sa.exc.ProgrammingError):
        from estate import db

        if not db.is_permission_denied(exc):
            return None
        return (
            f"The estate database refused the operation ({db.first_line(exc.orig)}); nothing "
            "was stored by it. Your database role may change only its own department's data "
            "(`estate access show`)."
        )
    if isinstance(exc, sa.exc.IntegrityError):
        return (
            f"The estate database refused the change ({exc.orig}); nothing was stored by it. "
            "If another import ran at the same time, run this one again."
        )
    return None


@click.group(cls=EstateGroup, invoke_without_command=True)
@click.option(
    "--db",
    "db_path",
    envvar="ESTATE_DB",
    default=DEFAULT_DB,
    show_default=True,
    help="The estate database: a file path (or an SQLAlchemy URL). Also ESTATE_DB.",
)
@click.version_option(package_name="estate")
@click.pass_context
def cli(ctx: click.Context, db_path: str) -> None:
    """Find the riskiest legacy technology in an estate and say what to fix first."""
    ctx.obj = db_path
    if ctx.invoked_subcommand is None:
        if _interactive() and "://" not in db_path and Path(db_path).exists():
            from estate.cli.tui_command import run_tui

            run_tui(db_path)
            return
        click.echo(ctx.get_help())


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


PERIOD_KEY = "estate.period"
"""Where a command's `--period` is kept for the database it opens (estate.cli.database)."""


def period_option(func: F) -> F:
    """The shared `--period`: the command reads the estate as it stood at the end of that
    reporting period, scored (unless `--as-of` says otherwise) as at the period's last day."""
    return click.option(
        "--period",
        callback=_remember_period,
        expose_value=False,
        help="See the estate as it stood at the end of this reporting period (2026-Q3).",
    )(func)


def period_value(text: str | None, option: str = "--period") -> str | None:
    """A `--period` or `--since` option's value checked before any work: a malformed one is a
    usage error naming the option and saying the form."""
    if text is None:
        return None
    from estate.periods import parse_period

    try:
        return parse_period(text, what="")
    except EstateError as exc:
        raise click.BadParameter(str(exc), param_hint=f"'{option}'") from exc


def _remember_period(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta[PERIOD_KEY] = period_value(value)


def scoring_options(func: F) -> F:
    """The shared `--policy` and `--as-of` options of every command that scores."""
    func = click.option(
        "--as-of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="Score as at this date (YYYY-MM-DD) instead of the policy's.",
    )(func)
    return click.option(
        "--policy",
        "policy_path",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="A TOML policy file overriding the default (see `estate policy show`).",
    )(func)


def selection_options(func: F) -> F:
    """The shared `--department`, `--band` and `--top` of every command that selects systems."""
    func = click.option("--top", type=click.IntRange(1), help="Only the first N systems.")(func)
    func = click.option(
        "--band",
        "bands",
        multiple=True,
        help="Only this legacy band: red, high, medium, low (repeatable).",
    )(func)
    return click.option(
        "--department",
        "-d",
        "departments",
        multiple=True,
        help="Only this department (repeatable).",
    )(func)


def json_option(func: F) -> F:
    """The shared `--json` flag: machine-readable output on stdout."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(
        func
    )
