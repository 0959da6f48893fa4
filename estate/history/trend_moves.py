"""Why a trend figure moved from one period to the next, in four parts a board can weigh:

- the same systems, whose returns changed (like for like: what departments did);
- the same systems with the same returns, moved by the calendar, the catalogue or their
  dependencies (a release entering paid extended support, a contract drawing nearer);
- systems new, retired or removed in departments that sent returns for both periods (by the
  earlier period's end), even one whose return retires or removes every system it has;
- departments joining or leaving (all of their systems).

Only the first is a department's own progress; a rise made by the others is not a department
getting worse."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from estate.costs import money as money_words

PARTS = ("like_for_like", "calendar", "new_or_retired", "departments")
"""The parts of a move, in the order they are told."""

PART_WORDS = {
    "like_for_like": "same systems, returns changed",
    "calendar": "same systems and returns, moved by the calendar, catalogue or dependencies",
    "new_or_retired": "systems new, retired or removed",
    "departments": "departments joining or leaving",
}
"""Each part in words, as every face prints it."""

MOVED = ("systems", "legacy", "red_rated", "legacy_run_cost")
"""The trend figures whose moves are told apart."""

Moves = dict[str, dict[str, float]]
"""Per figure (MOVED), per part (PARTS), how much it moved."""

Standing = dict[str, tuple[object, Any]]
"""Per system key: the version of its facts that stood (compared by identity) and its counted
outcome (`estate.scoring.outcomes.Outcome`)."""


def _figures(outcome: Any) -> tuple[float, ...]:
    cost = outcome.annual_run_cost
    return (
        1,
        int(outcome.legacy),
        int(outcome.red_rated),
        float(cost) if outcome.legacy and cost is not None else 0.0,
    )


def period_moves(
    before: Standing, after: Standing, whole: str, returned: Collection[str] = ()
) -> dict[str, Moves]:
    """How each figure moved from `before` to `after`, part by part, for the whole estate (key
    `whole`) and each department that stood in either period. `returned` names the
    departments that had sent a return by the end of the earlier period: they continue, so a
    fall to no systems counted is their systems retired or removed, not their leaving."""
    held_before = {outcome.department for _facts, outcome in before.values()}
    held_after = {outcome.department for _facts, outcome in after.values()}
    continuing = (held_before & held_after) | set(returned)
    found: dict[str, Moves] = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        department = (new or old)[1].department  # type: ignore[index]
        if department not in continuing:
            part = "departments"
        elif old is None or new is None:
            part = "new_or_retired"
        elif old[0] is new[0]:
            part = "calendar"
        else:
            part = "like_for_like"
        was = _figures(old[1]) if old else (0, 0, 0, 0.0)
        now = _figures(new[1]) if new else (0, 0, 0, 0.0)
        for scope in (whole, department):
            moves = found.setdefault(scope, {f: dict.fromkeys(PARTS, 0) for f in MOVED})
            for figure, a, b in zip(MOVED, was, now, strict=True):
                moves[figure][part] += b - a
    return found


def summed(all_moves: Iterable[Moves]) -> Moves:
    """Several departments' moves added up."""
    total: Moves = {f: dict.fromkeys(PARTS, 0) for f in MOVED}
    for moves in all_moves:
        for figure, parts in moves.items():
            for part, value in parts.items():
                total[figure][part] += value
    return total


def _signed(value: float, money: bool) -> str:
    if money:
        return ("-" if value < 0 else "+") + money_words(abs(value))
    return f"{value:+,.0f}"


def moves_sentence(figure: str, label: str, moves: Moves) -> str:
    """One figure's move in words: "legacy +16: +3 same systems, returns changed; +9 ...",
    the parts that moved it only ("no change" when none did)."""
    parts = moves.get(figure, {})
    money = figure == "legacy_run_cost"
    total = sum(parts.values())
    said = [f"{_signed(v, money)} {PART_WORDS[p]}" for p, v in parts.items() if v]
    if not said:
        return f"{label}: no change"
    return f"{label} {_signed(total, money)}: " + "; ".join(said)


def moves_lines(moves: Moves) -> list[str]:
    """The moves of the counted figures, one sentence each."""
    return [
        moves_sentence(figure, label, moves)
        for figure, label in (
            ("systems", "systems"),
            ("legacy", "legacy"),
            ("red_rated", "red-rated"),
            ("legacy_run_cost", "run cost on legacy"),
        )
    ]
