"""Energy and carbon as Rich renderables: one system's estimate with its working, defaults and
the savings of its moves, and the estate's in a line, for `estate show` and the TUI."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.text import Text

from estate.sustainability.moves import Saving
from estate.sustainability.summary import SystemCarbon, Totals


def _saving(label: str, found: Saving | None) -> Text | None:
    if found is None:
        return None
    line = Text(f"{label} {found.move.value.lower()}: ", style="bold")
    if found.kg_saved is None:
        line.append("not estimated")
        return line
    line.append(f"saves {found.kg_saved:,.1f} kg CO2e and {found.kwh_saved or 0:,.0f} kWh a year")
    if found.servers_freed:
        line.append(f"; frees {found.servers_freed} server(s)")
    return line


def render_carbon(system: SystemCarbon) -> RenderableType:
    """One system's energy and carbon: the figures, how each was worked out, the defaults a
    department can replace with real values, and what its planned and suggested moves save."""
    found = system.estimate
    head = Text("Energy and carbon", style="bold")
    if system.facts.gone:
        head.append("  none counted: retired or cancelled, it has left the estate's figures")
        return head
    if found.kg_co2e is None or found.kwh is None:
        head.append(f"  not estimated ({found.basis.value})", style="yellow")
    else:
        head.append(
            f"  {found.kg_co2e:,.1f} kg CO2e and {found.kwh:,.0f} kWh a year ({found.basis.value})"
        )
    parts: list[RenderableType] = [head]
    parts += [Text(f"  {step}") for step in found.steps]
    if found.defaults:
        parts.append(Text("  Defaults (supply the real value to improve it):", style="italic"))
        parts += [Text(f"    {escape(d)}", style="yellow") for d in found.defaults]
    for label, saving in (("Planned", system.planned), ("Suggested", system.suggested)):
        line = _saving(label, saving)
        if line is not None:
            parts.append(line)
    return Group(*parts)


def carbon_line(total: Totals, grid_year: int) -> Text:
    """The estate's energy and carbon in a line, its unknowns counted apart."""
    estimated = total.systems - total.not_estimated
    line = Text("Energy and carbon: ", style="bold")
    line.append(
        f"{total.kg_co2e / 1000:,.1f} t CO2e and {total.kwh / 1000:,.1f} MWh a year from "
        f"{estimated:,} of {total.systems:,} systems ({total.not_estimated:,} not estimated; "
        f"DESNZ {grid_year}) · {total.servers_past_life:,} servers past their life · "
        "`estate carbon` shows the working"
    )
    return line


def carbon_trend_line(points: Iterable[tuple[str, float, int]]) -> Text:
    """The trend's carbon in a line: each period's tonnes a year (period, kg, systems not
    estimated), like for like at one year's conversion factors."""
    line = Text("Carbon a year, like for like: ", style="bold")
    shown = [
        f"{period} {kg / 1000:,.1f} t" + (f" ({unknown:,} not estimated)" if unknown else "")
        for period, kg, unknown in points
    ]
    line.append(" → ".join(shown) if shown else "no periods")
    return line
