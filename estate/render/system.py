"""Rich renderings of a system and its scores for the terminal, shared by the CLI's output and
the TUI's system screen."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from estate.dates import shown_date
from estate.render.whole_columns import keep_whole
from estate.scoring.results import score_text

_FACTS = (
    ("Department", "department_name"),
    ("Description", "description"),
    ("Business owner", "business_owner"),
    ("Technical owner", "technical_owner"),
    ("Criticality", "criticality"),
    ("Services supported", "services_supported"),
    ("Users", "users"),
    ("Hosting", "hosting"),
    ("Cloud provider", "cloud_provider"),
    ("Data classification", "classification"),
    ("Personal data", "personal_data"),
    ("Internet-facing", "internet_facing"),
    ("Lifecycle status", "lifecycle_status"),
    ("Supplier", "supplier"),
    ("Contract end", "contract_end"),
    ("Annual run cost", "annual_run_cost"),
    ("Sign-in", "sign_in"),
    ("Staff with skills", "skilled_staff"),
    ("Incidents (12 months)", "incidents_12m"),
    ("Open critical vulnerabilities", "open_critical_vulns"),
    ("Last penetration test", "last_pen_test"),
    ("Hardware age (years)", "hardware_age_years"),
    ("Physical servers", "physical_servers"),
    ("Virtual machines", "virtual_machines"),
    ("Cores or vCPUs", "vcpus"),
    ("Memory (GB)", "memory_gb"),
    ("Storage (TB)", "storage_tb"),
    ("Average CPU utilisation (%)", "cpu_utilisation"),
    ("Data centre or cloud region", "site"),
    ("Site PUE", "site_pue"),
    ("Metered energy (kWh a year)", "metered_kwh"),
    ("Hardware purchase year", "hardware_year"),
    ("Remediation plan", "remediation_plan"),
    ("Plan funded", "plan_funded"),
    ("Planned disposition", "planned_disposition"),
    ("Target date", "target_date"),
)


_DATES = {"contract_end", "last_pen_test", "target_date"}


def _show(value: Any, field: str = "") -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field == "annual_run_cost":
        return f"£{value:,.0f}"
    if field in _DATES:
        return shown_date(value)
    if field == "hardware_year":
        return str(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,}" if isinstance(value, int) else f"{value:g}"
    return str(value)


BAND_STYLE: dict[Any, str] = {
    "Red-rated": "bold red",
    "High": "dark_orange",
    "Medium": "yellow",
    "Low": "green",
    None: "yellow",
}
"""Each legacy band's colour; a band not known (no criterion could be scored) is yellow, as
the terminal UI shows it, so a system a return says little about is shown as unknown, never
as broken markup."""
_SEVERITY_STYLE = {"High": "red", "Medium": "yellow", "Low": "dim"}


def render_scores(scores: dict[str, Any], compact: bool = False) -> RenderableType:
    """Every score of one system with its reasons: the argument for its priority. `compact`
    (for terminals under 120 columns) gives each criterion and security gap a block of its
    own, its evidence wrapped under it, instead of a table too narrow to read."""
    legacy = scores["legacy"]
    band = legacy["band"]
    parts: list[RenderableType] = []
    headline = Text()
    headline.append(f"Priority {scores['priority']:.1f}", style="bold")
    ranked = f"rank {scores['rank']}" if scores["rank"] else "not ranked: retired or cancelled"
    headline.append(f"  ({ranked})\n")
    for reason in scores["reasons"]:
        headline.append(f"  - {reason}\n")
    parts.append(headline)

    summary = (
        "too little is known to score it"
        if legacy["overall"] is None
        else f"{score_text(legacy['overall'])} / 30"
    )
    legacy_title = Text("Legacy risk: ")
    legacy_title.append(f"{band or 'unknown'} ({summary})", style=BAND_STYLE.get(band, ""))
    if legacy["is_legacy"] is not None:
        legacy_title.append("  legacy" if legacy["is_legacy"] else "  not legacy")
    criteria = (
        _criteria_blocks(legacy, legacy_title) if compact else _criteria_table(legacy, legacy_title)
    )
    totals = (
        f"Likelihood {_total(legacy['likelihood_total'])} x impact {_total(legacy['impact_total'])}"
        " (each (mean + highest) / 2 of the known criteria)"
    )
    parts.extend([criteria, Text(totals, style="dim")])
    for contradiction in legacy.get("contradictions", []):
        parts.append(Text(f"Data quality: {contradiction}", style="yellow"))

    cloud = scores["cloud"]
    readiness = Table(
        title=f"Cloud readiness: {cloud['category']}"
        + ("" if cloud["score"] is None else f" ({cloud['score']}/100)"),
        title_justify="left",
    )
    readiness.add_column("Effect")
    readiness.add_column("Reason", overflow="fold")
    readiness.add_column("Penalty", justify="right", no_wrap=True)
    for r in cloud["reasons"]:
        readiness.add_row(r["effect"], escape(r["text"]), str(r["penalty"]))
    parts.append(_or_none(readiness, "no reasons against moving"))
    disposition = cloud.get("suggested_disposition_words") or cloud["suggested_disposition"]
    parts.append(
        Text(f"Suggested disposition: {disposition or 'none'} ({cloud['disposition_reason']})")
    )

    gaps_title = f"Security gaps: {len(scores['security_gaps']) or 'none'}"
    if compact or not scores["security_gaps"]:
        parts.append(_gap_blocks(scores["security_gaps"], gaps_title))
    else:
        parts.append(_gap_table(scores["security_gaps"], gaps_title))
    if scores["unmatched_components"]:
        parts.append(
            Text(
                "Not matched to the catalogue: " + "; ".join(scores["unmatched_components"]),
                style="yellow",
            )
        )
    return Panel(Group(*parts), title="Scores", title_align="left")


_HIGHEST = {"likelihood": 6, "impact": 5}


def _criteria_table(legacy: dict[str, Any], title: Text) -> Table:
    criteria = Table(title=title, title_justify="left")
    for heading in ("", "Criterion", "Score", "Source", "Evidence", "What would change it"):
        criteria.add_column(heading, overflow="fold")
    for group, high in _HIGHEST.items():
        for c in legacy[group]:
            value = "?" if c["value"] is None else f"{c['value']}/{high}"
            style = "dim" if c["source"] == "unknown" else ""
            criteria.add_row(
                c["code"],
                c["name"],
                value,
                Text(c["source"], style=style),
                escape(c["evidence"]),
                c["would_change"] or "",
            )
    return criteria


def _block(head: Text, *lines: tuple[str, str]) -> RenderableType:
    """A heading line, then labelled lines indented under it, each wrapping on its own."""
    body = [Text.assemble((f"{label}: ", "dim"), text) for label, text in lines if text]
    return Group(head, Padding(Group(*body), (0, 0, 0, 4))) if body else head


def _criteria_blocks(legacy: dict[str, Any], title: Text) -> RenderableType:
    blocks: list[RenderableType] = [title]
    for group, high in _HIGHEST.items():
        for c in legacy[group]:
            value = "?" if c["value"] is None else f"{c['value']}/{high}"
            head = Text.assemble((f"{c['code']} {c['name']}", "bold"), f"  {value}  ")
            head.append(c["source"], style="dim" if c["source"] == "unknown" else "")
            blocks.append(
                _block(
                    head, ("Evidence", c["evidence"]), ("What would change it", c["would_change"])
                )
            )
    return Group(*blocks)


def _gap_table(gaps: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for heading in ("Principle", "Title", "Severity", "Source", "Evidence"):
        table.add_column(heading, overflow="fold")
    for g in gaps:
        table.add_row(
            g["principle"],
            g["title"],
            Text(g["severity"], style=_SEVERITY_STYLE[g["severity"]]),
            g["source"],
            escape(g["evidence"]),
        )
    return table


def _gap_blocks(gaps: list[dict[str, Any]], title: str) -> RenderableType:
    blocks: list[RenderableType] = [Text(title)]
    for g in gaps:
        head = Text.assemble((f"{g['principle']} {g['title']}", "bold"), "  ")
        head.append(g["severity"], style=_SEVERITY_STYLE[g["severity"]])
        head.append(f"  {g['source']}")
        blocks.append(_block(head, ("Evidence", g["evidence"])))
    return Group(*blocks)


def _or_none(table: Table, why: str) -> RenderableType:
    """The table, or, when it has no rows, its title and `why` (never bare headings)."""
    if table.row_count:
        return table
    title = table.title if isinstance(table.title, Text) else Text(str(table.title))
    return Text.assemble(title, f": {why}", "\n")


def _total(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f}"


def _links(linked: list[dict[str, Any]], title: str) -> Table:
    """One direction of a system's dependencies: each system's key with its name under it,
    the kind of link and the system's criticality. Three columns, so that the key stays
    whole in the terminal UI's narrow pane at 80 columns; the name wraps under it."""
    links = Table(title=title, title_justify="left")
    for heading in ("System", "Kind", "Criticality"):
        links.add_column(heading, overflow="fold")
    for d in linked:
        resolved = d.get("resolved", True)
        name = escape(d["name"]) if resolved else "[yellow]not in the estate yet[/]"
        links.add_row(f"{escape(d['key'])}\n[dim]{name}[/]", d["kind"], d["criticality"] or "")
    keep_whole(links, 0, (d["key"] for d in linked), (d["name"] for d in linked))
    return links


def _support_shown(component: dict[str, Any]) -> str:
    """A component's end of support as scoring goes by it: the department's own date, or the
    catalogue's (marked as such, with paid support after it where there is some)."""
    if component["end_of_support"] is not None:
        return shown_date(component["end_of_support"])
    if component["support_dates_from"] is None:
        return "[dim]unknown[/]"
    if component["security_support_ended_undated"]:
        ends = "ended"
    elif component["security_support_ends"] is None:
        ends = "none announced"
    else:
        ends = shown_date(component["security_support_ends"])
    paid = component["last_paid_support_ends"]
    if paid is not None and paid != component["security_support_ends"]:
        ends += f"\n[dim]paid to[/] {shown_date(paid)}"
    return f"{ends}\n[dim](catalogue)[/]"


def render_system(detail: dict[str, Any]) -> RenderableType:
    """One system's stored facts, technology, dependencies and assessments, for `estate show`."""
    facts = Table(show_header=False, box=None, pad_edge=False)
    facts.add_column(style="bold")
    facts.add_column(overflow="fold")  # a long file name in a provenance folds, whole
    provenance = detail.get("provenance", {})
    for label, field in _FACTS:
        source = provenance.get(field)
        where = (
            "  [dim]"
            + escape(f"{source['file']} {source['sheet']}!{source['column']}{source['row']}")
            + "[/]"
            if source
            else ""
        )
        facts.add_row(label, escape(_show(detail.get(field), field)) + where)
    scores = [
        f"{k.upper()}={detail[k]}"
        for k in (*(f"l{i}" for i in range(1, 8)), *(f"c{i}" for i in range(1, 7)))
        if detail.get(k) is not None
    ]
    facts.add_row("Self-assessed scores", " ".join(scores) if scores else "none")
    parts: list[RenderableType] = [facts]
    if detail["missing_from_latest_return"]:
        parts.insert(0, Text("Missing from the department's latest return.", style="bold yellow"))

    components = Table(title="Components", title_justify="left")
    for heading in ("Kind", "Product and vendor", "Version", "End of support"):
        components.add_column(heading, overflow="fold")
    for c in detail["components"]:
        vendor = f"\n[dim]{escape(c['vendor'])}[/]" if c["vendor"] else ""
        components.add_row(
            c["kind"],
            escape(c["product"]) + vendor,
            escape(c["version"]),
            _support_shown(c),
        )
    # Versions and dates never break at 80 columns: kinds, products and vendors wrap.
    keep_whole(components, 2, (c["version"] for c in detail["components"]))
    support = [Text.from_markup(_support_shown(c)).plain for c in detail["components"]]
    dates = [word for text in support for word in text.split() if word[:1].isdigit()]
    keep_whole(components, 3, dates, support)
    parts.append(_or_none(components, "none recorded"))

    for title, field in (("Depends on", "depends_on"), ("Used by", "depended_on_by")):
        parts.append(_or_none(_links(detail[field], title), "none recorded"))

    security = Table(title="Security assessments", title_justify="left")
    for heading in ("Principle", "Title", "Outcome", "Assessed", "Notes"):
        security.add_column(heading)
    for a in detail["security_assessments"]:
        style = {"Not achieved": "red", "Partially achieved": "yellow"}.get(a["outcome"], "")
        security.add_row(
            a["principle"],
            a["title"],
            Text(a["outcome"], style=style),
            shown_date(a["assessed_on"]),
            escape(a["notes"] or ""),
        )
    assessed = detail["security_assessments"]
    keep_whole(security, 0, (a["principle"] for a in assessed))
    keep_whole(security, 3, (shown_date(a["assessed_on"]) for a in assessed))
    parts.append(_or_none(security, "none returned"))
    title = escape(f"{detail['key']}  {detail['name']}")
    return Panel(Group(*parts), title=title, title_align="left")
