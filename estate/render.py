"""Rich renderings of estate data for the terminal, shared by the CLI's human-readable output."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

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
    ("Remediation plan", "remediation_plan"),
    ("Plan funded", "plan_funded"),
    ("Planned disposition", "planned_disposition"),
    ("Target date", "target_date"),
)


def _show(value: Any, field: str = "") -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field == "annual_run_cost":
        return f"£{value:,.0f}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,}" if isinstance(value, int) else f"{value:g}"
    return str(value)


def render_system(detail: dict[str, Any]) -> RenderableType:
    """One system's stored facts, technology, dependencies and assessments, for `estate show`."""
    facts = Table(show_header=False, box=None, pad_edge=False)
    facts.add_column(style="bold")
    facts.add_column()
    provenance = detail.get("provenance", {})
    for label, field in _FACTS:
        source = provenance.get(field)
        where = (
            f"  [dim]{source['file']} {source['sheet']}!{source['column']}{source['row']}[/]"
            if source
            else ""
        )
        facts.add_row(label, _show(detail.get(field), field) + where)
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
    for heading in ("Kind", "Product", "Version", "Vendor", "End of support"):
        components.add_column(heading)
    for c in detail["components"]:
        components.add_row(
            c["kind"], c["product"], c["version"], c["vendor"] or "", c["end_of_support"] or ""
        )
    parts.append(components)

    links = Table(title="Dependencies", title_justify="left")
    for heading in ("Direction", "System", "Name", "Kind", "Criticality"):
        links.add_column(heading)
    for d in detail["depends_on"]:
        name = d["name"] if d["resolved"] else "[yellow]not in the estate yet[/]"
        links.add_row("depends on", d["key"], name, d["kind"], d["criticality"] or "")
    for d in detail["depended_on_by"]:
        links.add_row("used by", d["key"], d["name"], d["kind"], d["criticality"] or "")
    parts.append(links)

    security = Table(title="Security assessments", title_justify="left")
    for heading in ("Principle", "Title", "Outcome", "Assessed", "Notes"):
        security.add_column(heading)
    for a in detail["security_assessments"]:
        style = {"Not achieved": "red", "Partially achieved": "yellow"}.get(a["outcome"], "")
        security.add_row(
            a["principle"],
            a["title"],
            Text(a["outcome"], style=style),
            a["assessed_on"] or "",
            a["notes"] or "",
        )
    parts.append(security)
    return Panel(Group(*parts), title=f"{detail['key']}  {detail['name']}", title_align="left")
