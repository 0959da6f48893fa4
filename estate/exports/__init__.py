"""The prioritised remediation list a CTO takes to a board, as xlsx, csv, json or markdown.

`export_ranking` is the one function the CLI and the TUI call. Every format carries the same
selection in the same order; files are written to a temporary file and moved into place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from estate.advice.identity import own_sign_in
from estate.costs import cost_figures
from estate.errors import InputError
from estate.exports.kept_json import KeptJson, write_kept_json
from estate.exports.print_view import PrintMode
from estate.exports.workbook import CONTRACT_MONTHS, DEFAULT_MARKING, write_workbook
from estate.files import atomic_write, read_bounded
from estate.graph.waves import Wave, plan_waves
from estate.history.board import BoardHistory
from estate.perf import collector_paused
from estate.portfolio import Portfolio
from estate.progress import Progress
from estate.ranking import select_systems
from estate.ranking.contracts import ending_contracts, supplier_concentration, terms_of
from estate.ranking.scope import scope
from estate.ranking.summary import data_quality, summarise
from estate.ranking.text_formats import (
    BoardLists,
    json_document,
    json_text,
    system_dict,
    to_csv,
    to_markdown,
)
from estate.scoring import EstateScores
from estate.scoring.policy import default_text
from estate.scoring.results import Band, SystemScore
from estate.sustainability.scored import export_dict, markdown_lines, scored_carbon


class ExportFormat(StrEnum):
    """The formats the remediation list is written in."""

    XLSX = "xlsx"
    CSV = "csv"
    JSON = "json"
    MARKDOWN = "markdown"


_SUFFIXES = {
    ".xlsx": ExportFormat.XLSX,
    ".csv": ExportFormat.CSV,
    ".json": ExportFormat.JSON,
    ".md": ExportFormat.MARKDOWN,
    ".markdown": ExportFormat.MARKDOWN,
}


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    format: ExportFormat
    systems: int
    scope: dict[str, Any]
    """What the selection covers, with its figures and the whole estate's (`scope`)."""


def format_for(path: Path, fmt: str | None) -> ExportFormat:
    """The format asked for, or the one the file name implies."""
    if fmt is not None:
        return ExportFormat(fmt)
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise InputError(f"{path}: give --format, or name the file .xlsx, .csv, .json or .md.")
    return found


def _selection_text(departments: Iterable[str], bands: Iterable[Band], top: int | None) -> str:
    parts = []
    if departments:
        parts.append("departments " + ", ".join(sorted(d.upper() for d in departments)))
    if bands:
        parts.append("bands " + ", ".join(b.value for b in bands))
    if top is not None:
        parts.append(f"top {top} by priority")
    return "; ".join(parts) or "all systems"


def _waves(
    scores: EstateScores, selection: list[SystemScore], progress: Progress | None
) -> list[Wave]:
    """The selection's migration waves, for the formats that carry them."""
    if progress:
        progress("Planning migration waves", 0, 1)
    priority = {s.key: s.priority for s in selection}
    return plan_waves(scores.graph.graph, list(priority), priority)


def _board(
    scores: EstateScores,
    selection: list[SystemScore],
    portfolio: Callable[[set[str]], Portfolio] | None,
) -> BoardLists:
    """The selection's contracts, suppliers and (when it can be read) portfolio."""
    as_of = scores.policy.as_of
    terms = [terms_of(s) for s in selection]
    return BoardLists(
        CONTRACT_MONTHS,
        ending_contracts(terms, as_of, CONTRACT_MONTHS),
        supplier_concentration(terms, as_of, CONTRACT_MONTHS),
        None if portfolio is None else portfolio({s.key for s in selection}),
    )


def _policy_text(scores: EstateScores) -> str:
    source = scores.policy.source
    if source == "built-in default":
        return default_text()
    overrides = read_bounded(Path(source), "policy")
    heading = f"# Overrides from {Path(source).name}:"
    return f"{heading}\n{overrides}\n# The default they override:\n{default_text()}"


def export_ranking(
    scores: EstateScores,
    path: Path,
    fmt: str | None = None,
    *,
    departments: Iterable[str] = (),
    bands: Iterable[Band] = (),
    top: int | None = None,
    systems: list[SystemScore] | None = None,
    description: str | None = None,
    progress: Progress | None = None,
    marking: str = DEFAULT_MARKING,
    portfolio: Callable[[set[str]], Portfolio] | None = None,
    history: Callable[[EstateScores], BoardHistory | None] | None = None,
    print_mode: PrintMode = PrintMode.BOARD,
    kept_json: KeptJson | None = None,
    reads_only: str | None = None,
) -> ExportResult:
    """Write the prioritised remediation list for a selection of the estate to `path`: the
    filters given, or exactly `systems` (as the TUI's filtered table shows them). `progress`
    hears each step of a workbook, which takes tens of seconds for a large estate. `marking`
    is the protective marking every printed page of the workbook carries; `portfolio` reads
    the technology a set of systems runs (`estate.portfolio.read_portfolio`), for the
    workbook's portfolio sheet; `history` the trend and changes (`board_history`), given these
    scores, which may stand for the changes' later state. `print_mode` says what printing the
    whole workbook gives: the board paper alone, or the data sheets with it. `kept_json`, for
    a selection by the filters, writes its systems' explanations from the kept ranking into
    the json export (`estate.exports.kept_json`). `reads_only` is the department a role that
    may read only its own department's systems is limited to (`estate.access.reads_only`):
    the pack then says its figures are that department's, not the estate's."""
    chosen = format_for(path, fmt)
    departments, bands = list(departments), list(bands)
    if systems is not None:
        selection = sorted(systems, key=lambda s: s.rank)
    else:
        selection = select_systems(scores.systems, departments=departments, bands=bands, top=top)
    context: dict[str, Any] = {
        "as_of": scores.policy.as_of.isoformat(),
        "policy": scores.policy.name,
        "catalogue": scores.catalogue.version,
        "selection": description or _selection_text(departments, bands, top),
        "marking": marking,
    }
    costs = cost_figures(selection)
    context["scope"] = scope(scores.systems, selection, context["selection"], costs, reads_only)
    past = None
    if history is not None and chosen is not ExportFormat.CSV:
        if progress:
            progress("Working out the trend", 0, 1)
        past = history(scores)  # the changes' latest state, when it was scored alike
    if chosen is ExportFormat.XLSX:
        # The figures behind the sheets: many small objects, some in cycles (left to the
        # collector once written: the terminal UI lives on after an export).
        with collector_paused(freeze=False):
            waves = _waves(scores, selection, progress)
            summary, quality = summarise(selection), data_quality(scores, selection)
            carbon = scored_carbon(selection, scores.policy.as_of, waves)

        def write(target: Path) -> None:
            with collector_paused(freeze=False):
                write_workbook(
                    target,
                    selection,
                    context,
                    summary,
                    quality,
                    waves,
                    _policy_text(scores),
                    progress,
                    costs=costs,
                    sign_in=own_sign_in(selection),
                    marking=marking,
                    portfolio=None if portfolio is None else portfolio({s.key for s in selection}),
                    history=past,
                    carbon=carbon,
                    policy=scores.policy,
                    print_mode=print_mode,
                )

    else:
        if chosen is ExportFormat.CSV:
            text = to_csv(selection)
        elif chosen is ExportFormat.JSON:
            waves = _waves(scores, selection, progress)
            from_kept = kept_json is not None and systems is None and bool(selection)
            document = json_document(
                selection,
                context,
                summarise(selection),
                data_quality(scores, selection),
                waves,
                costs,
                own_sign_in(selection),
                _board(scores, selection, portfolio),
                past,
                carbon=export_dict(scored_carbon(selection, scores.policy.as_of, waves)),
                with_systems=not from_kept,  # copied from the kept ranking's texts
            )
            if from_kept:
                ranks = [s.rank for s in selection]

                def write(target: Path) -> None:
                    assert kept_json is not None
                    if not write_kept_json(target, document, ranks, kept_json):
                        whole = {**document, "systems": [system_dict(s) for s in selection]}
                        target.write_bytes(json_text(whole).encode("utf-8"))

                atomic_write(path, write)
                return ExportResult(path, chosen, len(selection), context["scope"])
            text = json_text(document)
        else:
            waves = _waves(scores, selection, progress)
            text = to_markdown(
                selection,
                context,
                summarise(selection),
                data_quality(scores, selection),
                costs,
                waves,
                own_sign_in(selection),
                _board(scores, selection, portfolio),
                past,
                carbon=markdown_lines(scored_carbon(selection, scores.policy.as_of, waves)),
            )

        def write(target: Path) -> None:
            target.write_bytes(text.encode("utf-8"))

    atomic_write(path, write)
    return ExportResult(path, chosen, len(selection), context["scope"])
