"""The overview's trend: red-rated and legacy systems period by period, as bars a board reads
at a glance, with which way each has moved since the first period."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from estate.dates import uk_date
from estate.history.trend import Trend
from estate.history.trend_moves import moves_lines

BAR = "█"
SCORED_NOTE = "Each period scored as at its end with today's policy."
"""How every period of a trend or a comparison is scored, so that a change of policy is
never read as progress."""
RED_WIDTH = 18
LEGACY_WIDTH = 24


def _bar(count: int, most: int, width: int, colour: str) -> Text:
    size = round(width * count / most) if most else 0
    if count and not size:
        size = 1  # a count above nothing always shows
    return Text(BAR * size, style=colour) + Text(f" {count:,}")


def _moved(first: int, last: int) -> Text:
    if last < first:
        return Text(f"down {first - last:,}", style="green")
    if last > first:
        return Text(f"up {last - first:,}", style="red")
    return Text("no change", style="dim")


def trend_chart(trend: Trend | None) -> RenderableType:
    """The chart of a worked-out trend, or a word that it is on its way (None)."""
    if trend is None:
        return Text("Trend by period: being worked out…", style="italic dim")
    points = trend.points
    first, last = points[0], points[-1]
    if len(points) > 1:
        title = Text.assemble(("Trend since ", "bold"), (first.period, "bold"), ": red-rated ")
        title.append_text(_moved(first.figures.red_rated, last.figures.red_rated))
        title.append(", legacy ")
        title.append_text(_moved(first.figures.legacy, last.figures.legacy))
    else:
        title = Text.assemble(("Trend", "bold"), ": one period so far")
    most_red = max(p.figures.red_rated for p in points)
    most_legacy = max(p.figures.legacy for p in points)
    chart = Table(box=None, padding=(0, 2, 0, 0), header_style="dim")
    chart.add_column("", no_wrap=True)
    chart.add_column("Red-rated", no_wrap=True)
    chart.add_column("Legacy", no_wrap=True)
    for point in points:
        chart.add_row(
            f"  {point.period}",
            _bar(point.figures.red_rated, most_red, RED_WIDTH, "red"),
            _bar(point.figures.legacy, most_legacy, LEGACY_WIDTH, "dark_orange"),
        )
    if len(points) == 1:
        return Group(title, chart)
    moved = (  # what moved into the latest period: returns, the calendar, or who sent them
        [Text(f"  What moved into {last.period}:", style="dim")]
        + [Text(f"    {line}", style="dim") for line in moves_lines(last.figures.moved)]
        if last.figures.moved
        else []
    )
    # The headline above is as at the day the overview names, the last period as at its end:
    # saying so keeps "33 red-rated" beside "2026-Q3 32" from reading as a contradiction.
    scored = f"  {SCORED_NOTE} {last.period} is as at {uk_date(last.as_of)}; the figures above"
    scored += " are as at the day they name."
    return Group(title, chart, *moved, Text(scored, style="dim"))
