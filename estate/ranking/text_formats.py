"""The remediation list as CSV, JSON and Markdown: deterministic (the same data, policy and
as-of date give byte-identical files) and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from estate.advice.identity import SignInGroup, SignsIn
from estate.costs import (
    CostFigures,
    CostLine,
    headline,
    money,
    red_unfunded_words,
    wave_costs,
)
from estate.costs import run_cost as cost_of
from estate.dates import shown_date
from estate.files import neutralise
from estate.graph.waves import Wave
from estate.history.board import BoardHistory, changes_dict, trend_dict
from estate.portfolio import EXTENDED, OUT_OF_SUPPORT, Portfolio
from estate.ranking.contracts import Contract, Supplier
from estate.ranking.scope import FIGURES, estate_label, scope_sentence
from estate.ranking.summary import DataQuality, Summary, quality_rows
from estate.render.board_data import contract_dict, portfolio_dict, supplier_dict
from estate.render.list_columns import PRIORITY_COLUMNS, plain_value, suggested
from estate.scoring.results import SystemScore, score_text
from estate.scoring.serialise import SCHEMA_VERSION, ItemOf, each_item, score_dict
from estate.words import counted

Signed = TypeVar("Signed", bound=SignsIn)


def to_csv(selection: list[SystemScore]) -> str:
    """One row per system in priority order; formula-like text is neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in PRIORITY_COLUMNS])
    for system in selection:
        writer.writerow(
            [neutralise(plain_value(c.value(system), c.kind)) for c in PRIORITY_COLUMNS]
        )
    return buffer.getvalue()


def system_dict(system: SystemScore, item: ItemOf = each_item) -> dict[str, Any]:
    """One system as the JSON outputs give it: its scores (`score_dict`, each item of its
    lists given by `item`) with the money and contract a board reads and its suggested
    disposition in words."""
    record = system.record
    data = score_dict(system, item)
    data["cloud"]["suggested_disposition_words"] = suggested(system)
    data["annual_run_cost"] = _money(system)
    data["supplier"] = record.supplier
    data["contract_end"] = record.contract_end.isoformat() if record.contract_end else None
    return data


def cost_dict(line: CostLine) -> dict[str, Any]:
    """A group's run cost: the known costs summed, and how many systems' costs are not known."""
    return {
        "label": line.label,
        "systems": line.systems,
        "annual_run_cost": _amount(line.cost),
        "costs_not_known": line.unknown,
    }


def _money(system: SystemScore) -> float | int | None:
    cost = cost_of(system)
    return None if cost is None else _amount(cost)


def _amount(value: float) -> float | int:
    rounded = round(value, 2)
    return int(rounded) if rounded == int(rounded) else rounded


def costs_dict(costs: CostFigures) -> dict[str, Any]:
    """The money of a selection: totals, legacy share, and by band, department and
    disposition."""
    share = costs.legacy_share
    return {
        "headline": headline(costs),
        "total": cost_dict(costs.total),
        "legacy": cost_dict(costs.legacy),
        "legacy_share": None if share is None else round(share, 4),
        "red_rated_without_funded_plan": cost_dict(costs.red_unfunded),
        "by_band": [cost_dict(line) for line in costs.by_band],
        "by_department": [cost_dict(line) for line in costs.by_department],
        "by_disposition": [cost_dict(line) for line in costs.by_disposition],
    }


def sign_in_list(groups: Sequence[SignInGroup[Signed]]) -> list[dict[str, Any]]:
    """Systems with their own sign-in, by department and who signs in: scored systems or the
    lines of a kept ranking give the same list."""
    return [
        {
            "department": g.department,
            "audience": g.audience,
            "candidate_for": g.candidate_for,
            "count": len(g.systems),
            "systems": [
                {
                    "rank": s.rank,
                    "key": s.key,
                    "name": s.name,
                    "priority": s.priority,
                    "legacy_band": s.band,
                    "annual_run_cost": None if s.run_cost is None else _amount(s.run_cost),
                }
                for s in g.systems
            ],
        }
        for g in groups
    ]


def summary_dict(summary: Summary) -> dict[str, Any]:
    """The headline counts a board paper opens with."""
    return {
        "systems": summary.systems,
        "legacy": summary.legacy,
        "by_band": summary.by_band,
        "by_readiness": summary.by_readiness,
        "red_rated_funded_plan": summary.red_funded,
        "red_rated_unfunded_plan": summary.red_unfunded_plan,
        "red_rated_no_plan": summary.red_no_plan,
        "by_department": [
            {"department": department, "systems": systems, "red_rated": red, "legacy": legacy}
            for department, systems, red, legacy in summary.by_department
        ],
    }


def json_text(document: dict[str, Any]) -> str:
    """The json export's document laid out as it is written."""
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False, default=str) + "\n"


def json_document(
    selection: list[SystemScore],
    context: dict[str, Any],
    summary: Summary,
    quality: DataQuality,
    waves: list[Wave],
    costs: CostFigures,
    sign_in: list[SignInGroup[SystemScore]],
    board: BoardLists,
    history: BoardHistory | None = None,
    carbon: dict[str, Any] | None = None,
    with_systems: bool = True,
) -> dict[str, Any]:
    """The json export's document (the documented, stable schema: docs/export-schema.md), before
    `json_text` lays it out; without `with_systems`, its `systems` left empty for a writer that
    copies them from the kept ranking (`estate.exports.kept_json`) rather than hold tens of
    thousands of systems' explanations at once."""
    spent = wave_costs(selection, waves)
    return {
        "schema_version": SCHEMA_VERSION,
        **context,
        "summary": summary_dict(summary),
        "costs": costs_dict(costs),
        "systems": [system_dict(s) for s in selection] if with_systems else [],
        "waves": [
            {
                "wave": w.number,
                "systems": w.systems,
                "clusters": w.clusters,
                "annual_run_cost": _amount(line.cost),
                "costs_not_known": line.unknown,
            }
            for w, line in zip(waves, spent, strict=True)
        ],
        "sign_in": sign_in_list(sign_in),
        "contracts": [contract_dict(c) for c in board.contracts],
        "suppliers": [supplier_dict(s) for s in board.suppliers],
        "portfolio": None if board.portfolio is None else portfolio_dict(board.portfolio),
        "trend": None if history is None else trend_dict(history.trend),
        "changes": None
        if history is None or history.changes is None
        else changes_dict(history.changes),
        "data_quality": [row._asdict() for row in quality_rows(quality)],
        **({"sustainability": carbon} if carbon is not None else {}),
    }


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", "<br>")


def _table(heading: str, lines: list[CostLine]) -> list[str]:
    """A cost table, one row a group and then their total."""
    total = CostLine("**Total**")
    for line in lines:
        total.systems += line.systems
        total.cost += line.cost
        total.unknown += line.unknown
    rows = [f"| {heading} | Systems | Annual run cost | Costs not known |", "|---|---:|---:|---:|"]
    rows += [
        f"| {_cell(line.label)} | {line.systems:,} | {money(line.cost)} | {line.unknown:,} |"
        for line in (*lines, total)
    ]
    return [*rows, ""]


def to_markdown(
    selection: list[SystemScore],
    context: dict[str, Any],
    summary: Summary,
    quality: DataQuality,
    costs: CostFigures,
    waves: list[Wave],
    sign_in: list[SignInGroup[SystemScore]],
    board: BoardLists,
    history: BoardHistory | None = None,
    detailed: int = 20,
    carbon: list[str] | None = None,
) -> str:
    """A readable report for a paper or a pull request: figures and money, the list, the top
    systems' reasons, the waves, own sign-in, and the limits of the data."""
    marking = f"**{context['marking']}**"
    lines = [
        marking,
        "",
        "# Legacy technology remediation priorities",
        "",
        f"As at {shown_date(context['as_of'])}; policy {context['policy']}; "
        f"catalogue {context['catalogue']}.",
        f"Selection: {context['selection']}.",
        "",
        "## Summary",
        "",
        *_scope_markdown(context["scope"]),
        f"- {counted(summary.systems, 'system')}, {summary.legacy:,} of them legacy.",
        f"- Red-rated: {summary.by_band['Red-rated']:,} ({summary.red_funded:,} with a funded "
        f"plan, {summary.red_unfunded_plan:,} with an unfunded plan, {summary.red_no_plan:,} "
        "with no plan).",
        "- By band: "
        + ", ".join(f"{band} {count:,}" for band, count in summary.by_band.items())
        + ".",
        "- Cloud readiness: "
        + ", ".join(f"{r} {n:,}" for r, n in summary.by_readiness.items())
        + ".",
        f"- {headline(costs)}",
        f"- {red_unfunded_words(costs)}",
        "",
        "## Annual run cost",
        "",
        "Costs not known are counted apart, never summed as zero.",
        "",
        *_table("Legacy band", costs.by_band),
        *_table("Department", costs.by_department),
        *_table("Suggested disposition", costs.by_disposition),
        "## Priority list",
        "",
    ]
    if not selection:
        lines += ["No systems match this selection.", ""]
    else:
        lines += [
            "| # | System | Name | Priority | Legacy | Band | Cloud | Run cost | Why "
            "| Suggested disposition |",
            "|---:|---|---|---:|---:|---|---|---:|---|---|",
        ]
    for s in selection:
        legacy = "?" if s.legacy.overall is None else score_text(s.legacy.overall)
        cost = cost_of(s)
        lines.append(
            f"| {s.rank} | {_cell(s.key)} | {_cell(s.name)} | {s.priority:.1f} | {legacy} | "
            f"{s.legacy.band or 'unknown'} | {s.readiness.category.value} | "
            f"{'not known' if cost is None else money(cost)} | {_cell(s.headline)} | "
            f"{_cell(suggested(s))} ({_cell(s.readiness.disposition_reason)}) |"
        )
    top = min(detailed, len(selection))
    if top:
        heading = (
            "the top system is where it is" if top == 1 else f"the top {top} are where they are"
        )
        lines += ["", f"## Why {heading}", ""]
    for s in selection[:detailed]:
        lines.append(f"### {s.rank}. {s.key} {s.name}")
        lines.append("")
        lines += [f"- {_cell(reason)}" for reason in s.reasons]
        lines.append(f"- Suggested disposition: {suggested(s)} ({s.readiness.disposition_reason}).")
        lines.append("")
    if waves:
        lines += ["## Migration waves", ""]
        lines += _table("Wave", wave_costs(selection, waves))
    if sign_in:
        lines += ["## Own sign-in", ""]
        lines += ["| Department | Who signs in | Candidate for | Systems |", "|---|---|---|---|"]
        lines += [
            f"| {g.department} | {g.audience} | {g.candidate_for} | "
            + "<br>".join(f"{_cell(s.key)} {_cell(s.name)}" for s in g.systems)
            + " |"
            for g in sign_in
        ]
        lines.append("")
    lines += _board_markdown(board)
    if history is not None:
        lines += _history_markdown(history)
    lines += carbon or []
    lines += [
        "## Limits of the data",
        "",
        f"- {_has(len(quality.unknown_criteria), 'system')} framework criteria nobody could score.",
        f"- {counted(len(quality.unmatched), 'component')} could not be matched to the lifecycle "
        "catalogue.",
        f"- {_point(len(quality.unresolved))} at systems no return has supplied.",
        f"- {_has(len(quality.readiness_unknown), 'system')} too little data for a cloud "
        "readiness view.",
        f"- {counted(len(quality.missing_from_return), 'system')} "
        f"{'was' if len(quality.missing_from_return) == 1 else 'were'} missing from their "
        "department's latest return.",
        f"- {costs.total.unknown:,} of {counted(costs.total.systems, 'system')} gave no annual "
        "run cost.",
        "",
        *_quality_markdown(quality),
        marking,
        "",
    ]
    return "\n".join(lines)


def _scope_markdown(found: dict[str, Any]) -> list[str]:
    """What the selection covers, and for a part of the estate the whole estate's figures
    beside the selection's."""
    lines = [scope_sentence(found), ""]
    if found["whole_estate"]:
        return lines
    lines += [f"| Figure | This selection | {estate_label(found)} |", "|---|---:|---:|"]
    for key, label in FIGURES:
        mine, theirs = found["selection"][key], found["estate"][key]
        if isinstance(mine, float) or key.endswith("run_cost"):
            lines.append(f"| {label} | {money(mine)} | {money(theirs)} |")
        else:
            lines.append(f"| {label} | {mine:,} | {theirs:,} |")
    return [*lines, ""]


def _quality_markdown(quality: DataQuality) -> list[str]:
    """The data quality system by system, one row per system and gap, as the workbook's Data
    quality sheet and the json list them."""
    rows = quality_rows(quality)
    if not rows:
        return []
    lines = [
        "### Data quality, system by system",
        "",
        "| Issue | System | Leaves unknown | Detail |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {_cell(r.issue)} | {_cell(r.system)} | {_cell(r.leaves_unknown)} | {_cell(r.detail)} |"
        for r in rows
    ]
    return [*lines, ""]


@dataclass(frozen=True)
class BoardLists:
    """Contracts ending within `within` months, supplier concentration and, when read, the
    technology portfolio of a selection."""

    within: int
    contracts: list[Contract]
    suppliers: list[Supplier]
    portfolio: Portfolio | None = None


def _board_markdown(board: BoardLists) -> list[str]:
    lines = [f"## Support contracts ended or ending within {board.within} months", ""]
    if board.contracts:
        lines += [
            "| When | Ends | System | Band | Run cost | Supplier | Suggested disposition |",
            "|---|---|---|---|---:|---|---|",
        ]
    else:
        lines += ["None.", ""]
    for c in board.contracts:
        t = c.terms
        cost = "not known" if t.run_cost is None else money(t.run_cost)
        lines.append(
            f"| {c.window} | {shown_date(t.contract_end)} | {_cell(t.key)} {_cell(t.name)} | "
            f"{t.band or 'unknown'} | {cost} | {_cell(t.supplier or '')} | "
            f"{_cell(t.disposition)} ({_cell(t.disposition_reason)}) |"
        )
    lines += [
        "",
        "## Supplier concentration",
        "",
        "| Supplier | Systems | Run cost | Costs not known | Red-rated | Departments "
        f"| Contracts ending within {board.within} months |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {_cell(s.name)} | {s.systems:,} | {money(s.run_cost)} | {s.costs_not_known:,} | "
        f"{s.red_rated:,} | {len(s.departments):,} | {s.ending:,} |"
        for s in board.suppliers
    ]
    lines.append("")
    found = board.portfolio
    if found is not None:
        lines += [
            "## Technology portfolio",
            "",
            f"| Product | Release | Systems | Departments | {OUT_OF_SUPPORT} | {EXTENDED} |",
            "|---|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {_cell(p.product)} | {_cell(r.release)} | {len(r.systems):,} | "
            f"{len(r.departments):,} | {r.systems_in(OUT_OF_SUPPORT):,} | "
            f"{r.systems_in(EXTENDED):,} |"
            for p in found.products
            for r in p.releases
        ]
        lines += ["", "Consolidation candidates:", ""]
        lines += [f"- {_cell(c.detail)}" for c in found.candidates] or ["- none"]
        lines.append("")
    return lines


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _history_markdown(history: BoardHistory) -> list[str]:
    """The trend period by period, then the changes into the latest period."""
    trend = history.trend
    whose = f"department {trend.department}" if trend.department else "the whole estate"
    lines = [
        "## Trend",
        "",
        f"For {whose}; policy {trend.policy}. {trend.note}",
        "",
        "| Period | As at | Systems | Legacy | Red-rated | Run cost on legacy | Costs not known "
        "| Red-rated with a funded plan | Ready for cloud | Open security gaps |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in trend.points:
        f = p.figures
        lines.append(
            f"| {p.period} | {shown_date(p.as_of)} | {f.systems:,} | {f.legacy:,} | "
            f"{f.red_rated:,} | {money(f.legacy_run_cost)} | {f.legacy_costs_not_known:,} | "
            f"{f.red_rated_funded:,} ({_share(f.red_rated_funded_share)}) | "
            f"{f.ready_for_cloud:,} ({_share(f.ready_share)}) | {f.open_gaps:,} |"
        )
    lines += ["", "## Changes since last period", ""]
    found = history.changes
    if found is None:
        return [*lines, f"There is no earlier period to compare with: {history.no_changes}", ""]
    lines += [
        f"From the end of {found.since} (as at {shown_date(found.since_as_of)}) to the end of "
        f"{found.until} (as at {shown_date(found.until_as_of)}): "
        f"{counted(len(found.changes), 'change')}.",
        "",
    ]
    if not found.changes:
        return lines
    lines += [
        "| System | Name | Department | Change | Was | Now | Criteria that moved the band |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {_cell(c.key)} | {_cell(c.name)} | {_cell(c.department)} | {c.kind.value} | "
        f"{_cell(c.before)} | {_cell(c.after)} | {_cell(', '.join(c.criteria))} |"
        for c in found.changes
    ]
    return [*lines, ""]


def _has(count: int, noun: str) -> str:
    return f"{counted(count, noun)} {'has' if count == 1 else 'have'}"


def _point(count: int) -> str:
    return f"{counted(count, 'dependency', 'dependencies')} {'points' if count == 1 else 'point'}"
