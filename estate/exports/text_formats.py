"""The remediation list as CSV, JSON and Markdown: deterministic (the same data, policy and
as-of date give byte-identical files) and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from estate.dates import shown_date
from estate.exports.columns import PRIORITY_COLUMNS, plain_value
from estate.exports.summary import DataQuality, Summary
from estate.files import neutralise
from estate.graph.waves import Wave
from estate.scoring.results import SystemScore
from estate.scoring.serialise import SCHEMA_VERSION, score_dict
from estate.words import counted


def to_csv(selection: list[SystemScore]) -> str:
    """One row per system in priority order; formula-like text is neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in PRIORITY_COLUMNS])
    for system in selection:
        writer.writerow([neutralise(plain_value(c.value(system))) for c in PRIORITY_COLUMNS])
    return buffer.getvalue()


def to_json(selection: list[SystemScore], context: dict[str, Any], waves: list[Wave]) -> str:
    """The documented, stable JSON schema (see docs/export-schema.md)."""
    document = {
        "schema_version": SCHEMA_VERSION,
        **context,
        "systems": [score_dict(s) for s in selection],
        "waves": [{"wave": w.number, "systems": w.systems, "clusters": w.clusters} for w in waves],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False, default=str) + "\n"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", "<br>")


def to_markdown(
    selection: list[SystemScore],
    context: dict[str, Any],
    summary: Summary,
    quality: DataQuality,
    detailed: int = 20,
) -> str:
    """A readable report for a paper or a pull request: figures, the list, the top systems'
    reasons, and the limits of the data."""
    lines = [
        "# Legacy technology remediation priorities",
        "",
        f"As at {shown_date(context['as_of'])}; policy {context['policy']}; "
        f"catalogue {context['catalogue']}.",
        f"Selection: {context['selection']}.",
        "",
        "## Summary",
        "",
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
        "",
        "## Priority list",
        "",
    ]
    if not selection:
        lines += ["No systems match this selection.", ""]
    else:
        lines += [
            "| # | System | Name | Priority | Legacy | Band | Cloud | Suggested | Why |",
            "|---:|---|---|---:|---:|---|---|---|---|",
        ]
    for s in selection:
        legacy = "?" if s.legacy.overall is None else f"{s.legacy.overall:.1f}"
        lines.append(
            f"| {s.rank} | {_cell(s.key)} | {_cell(s.name)} | {s.priority:.1f} | {legacy} | "
            f"{s.legacy.band or 'unknown'} | {s.readiness.category.value} | "
            f"{s.readiness.disposition or ''} | {_cell(s.headline)} |"
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
        lines.append(
            f"- Suggested disposition: {s.readiness.disposition or 'none'} "
            f"({s.readiness.disposition_reason})."
        )
        lines.append("")
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
        "",
    ]
    return "\n".join(lines)


def _has(count: int, noun: str) -> str:
    return f"{counted(count, noun)} {'has' if count == 1 else 'have'}"


def _point(count: int) -> str:
    return f"{counted(count, 'dependency', 'dependencies')} {'points' if count == 1 else 'point'}"
