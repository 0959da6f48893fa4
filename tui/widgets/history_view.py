"""A system's history in its detail screen: each period, what changed in it and where each
change came from (the file, sheet and cell), the first return summed up in a line."""

from __future__ import annotations

from rich.text import Text

from estate.history.system import (
    STATUS_WORDS,
    PeriodState,
    Source,
    SystemHistory,
    shown_value,
    source_words,
)


def _where(source: Source | None) -> str:
    where = source_words(source)
    return f" ({where})" if where else ""


def _period(state: PeriodState, text: Text) -> None:
    text.append(f"  {state.period}  ", style="bold")
    text.append(
        STATUS_WORDS.get(state.status, state.status), style="dim" if not state.fields else ""
    )
    if state.status == "new":
        first = next((c.source for c in state.fields if c.source is not None), None)
        text.append(f": {len(state.fields):,} values{_where(first)}\n")
        return
    text.append("\n")
    for change in state.fields:
        was, now = shown_value(change.old), shown_value(change.new)
        text.append(f"      {change.header}: {was} -> {now}")
        text.append(f"{_where(change.source)}\n", style="dim")
    for item in state.related:
        text.append(f"      {item.kind} {item.change}: {item.item}")
        text.append(f"{_where(item.source)}\n", style="dim")


def history_view(history: SystemHistory | None, error: str = "") -> Text:
    """The history as text, or why there is none to show (`error`)."""
    text = Text("History\n", style="bold")
    if history is None:
        text.append(f"  {error or 'Reading the history…'}\n", style="dim")
        return text
    for state in history.periods:
        _period(state, text)
    return text
