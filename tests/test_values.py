"""One rule per type for cell values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from estate.enums import Hosting
from importers import values
from importers.problems import CellError


def _quiet(_message: str) -> None:
    return None


def _parse(parser: values.Parser, raw: Any) -> tuple[Any, list[str]]:
    warnings: list[str] = []
    return parser(raw, warnings.append), warnings


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (dt.datetime(2025, 3, 31, 0, 0), dt.date(2025, 3, 31)),
        (dt.date(2025, 3, 31), dt.date(2025, 3, 31)),
        (45747, dt.date(2025, 3, 31)),
        (45747.0, dt.date(2025, 3, 31)),
        ("31/03/2025", dt.date(2025, 3, 31)),
        ("1/4/2025", dt.date(2025, 4, 1)),
        ("31.03.2025", dt.date(2025, 3, 31)),
        ("31-03-25", dt.date(2025, 3, 31)),
        ("2025-03-31", dt.date(2025, 3, 31)),
        ("2025/03/31", dt.date(2025, 3, 31)),
        ("2025.3.31", dt.date(2025, 3, 31)),
        ("31 March 2025", dt.date(2025, 3, 31)),
        ("1st Apr 2025", dt.date(2025, 4, 1)),
    ],
)
def test_dates_are_read_day_first(raw: Any, expected: dt.date) -> None:
    assert _parse(values.parse_date, raw) == (expected, [])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mar 2025", dt.date(2025, 3, 31)),
        ("February 2024", dt.date(2024, 2, 29)),
        ("03/2025", dt.date(2025, 3, 31)),
    ],
)
def test_month_only_dates_mean_month_end_and_warn(raw: str, expected: dt.date) -> None:
    value, warnings = _parse(values.parse_date, raw)
    assert value == expected
    assert warnings == [f"month only: taken as {expected:%d/%m/%Y}"]


@pytest.mark.parametrize(
    "raw", ["31/02/2025", "03/31/2025", "next spring", "2025-13-01", True, 12.5]
)
def test_impossible_dates_are_errors(raw: Any) -> None:
    with pytest.raises(CellError) as caught:
        values.parse_date(raw, _quiet)
    assert caught.value.expected and "31/03/2025" in caught.value.expected


def test_us_style_date_hints_at_day_first() -> None:
    with pytest.raises(CellError, match="day first"):
        values.parse_date("03/31/2025", _quiet)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("£1,200,000", 1_200_000.0),
        ("1.2m", 1_200_000.0),
        ("£1.2M", 1_200_000.0),
        ("350k", 350_000.0),
        ("£1.5bn", 1_500_000_000.0),
        ("£ 250,000 pa", 250_000.0),
        (1200, 1200.0),
        (99.5, 99.5),
    ],
)
def test_money(raw: Any, expected: float) -> None:
    assert values.parse_money(raw, _quiet) == expected


@pytest.mark.parametrize("raw", ["approx", "-£5", "1,20,0", "lots", dt.date(2025, 1, 1)])
def test_bad_money_is_an_error(raw: Any) -> None:
    with pytest.raises(CellError):
        values.parse_money(raw, _quiet)


@pytest.mark.parametrize("raw", [None, "", "  ", "N/A", "n/a", "TBC", "tbd", "Unknown", "-", "?"])
@pytest.mark.parametrize(
    "parser",
    [
        values.parse_money,
        values.parse_count,
        values.parse_date,
        values.parse_bool,
        values.parse_text,
    ],
)
def test_explicit_unknowns_are_stored_as_unknown(raw: Any, parser: values.Parser) -> None:
    assert parser(raw, _quiet) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Y", True),
        ("yes", True),
        ("TRUE", True),
        (True, True),
        (1, True),
        ("N", False),
        ("No", False),
        ("false", False),
        (0, False),
    ],
)
def test_booleans(raw: Any, expected: bool) -> None:
    assert values.parse_bool(raw, _quiet) is expected


def test_bad_boolean_is_an_error() -> None:
    with pytest.raises(CellError, match="not yes or no"):
        values.parse_bool("maybe", _quiet)


@pytest.mark.parametrize(("raw", "expected"), [("1,200", 1200), (12, 12), (12.0, 12), ("0", 0)])
def test_counts(raw: Any, expected: int) -> None:
    assert values.parse_count(raw, _quiet) == expected


@pytest.mark.parametrize("raw", ["-3", 2.5, "twelve"])
def test_bad_counts_are_errors(raw: Any) -> None:
    with pytest.raises(CellError):
        values.parse_count(raw, _quiet)


def test_numbers_typed_into_text_columns_keep_their_written_form() -> None:
    assert values.parse_text(1001.0, _quiet) == "1001"
    assert values.parse_text("  Benefit Ledger ", _quiet) == "Benefit Ledger"


def test_formula_like_text_is_kept_as_text_with_a_warning() -> None:
    value, warnings = _parse(values.parse_text, '=HYPERLINK("http://x")')
    assert value == '=HYPERLINK("http://x")'
    assert warnings and "formula" in warnings[0]


def test_enumerations_go_through_the_spelling_map() -> None:
    parse = values.enum_parser(Hosting)
    assert parse("on-prem", _quiet) is Hosting.ON_PREMISES
    with pytest.raises(CellError) as caught:
        parse("Clowd", _quiet)
    assert caught.value.expected is not None and "SaaS" in caught.value.expected


def test_a_remembered_spelling_still_warns_and_still_rejects() -> None:
    parse = values.enum_parser(Hosting)
    for _ in range(3):
        assert _parse(parse, "On-Prem") == (Hosting.ON_PREMISES, [])
        assert _parse(parse, "=SaaS") == (Hosting.SAAS, [_parse(values.parse_text, "=SaaS")[1][0]])
        assert _parse(parse, "TBC") == (None, [])
        with pytest.raises(CellError):
            parse("Clowd", _quiet)


@pytest.mark.parametrize(
    ("raw", "ok"), [(1, True), (6, True), ("4", True), (0, False), (7, False), (2.5, False)]
)
def test_scores_are_checked_against_their_range(raw: Any, ok: bool) -> None:
    parse = values.score_parser(6)
    if ok:
        assert parse(raw, _quiet) == int(raw)
    else:
        with pytest.raises(CellError, match="1 to 6"):
            parse(raw, _quiet)
