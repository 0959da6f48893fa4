"""Reading cell values: one rule per type, the same for every reader.

Spreadsheet cells arrive as str, int, float, bool, date or datetime (a CSV gives only str).
Each parser returns the typed value, None for an explicit unknown, or raises `CellError`
saying what was expected. Doubtful readings are reported through the `warn` callback.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from estate import keys
from estate.enums import LifecycleStatus, UnknownSpelling, normalise, read_enum
from estate.files import FORMULA_STARTS
from importers.problems import CellError

Warn = Callable[[str], None]
Parser = Callable[[Any, Warn], Any]

UNKNOWN_TOKENS = frozenset(
    {"", "n a", "na", "tbc", "tbd", "tba", "unknown", "not known", "unk", "none known", "?"}
)
"""Spellings of "we do not know", stored as unknown (NULL), never as zero or as text."""

_UNKNOWN_PLAIN = UNKNOWN_TOKENS | {"-", "--", "—", "n/a", "n.a.", "t.b.c."}
_UNKNOWN_SPELLED = re.compile(
    r"^[\W_]*(?:n[\W_]*a|t[\W_]*b[\W_]*[cda]|unknown|not[\W_]+known|unk|none[\W_]+known|\?)[\W_]*$",
    re.IGNORECASE,
)
"""The unknown tokens with any punctuation or spacing: "N / A", "T.B.C.", "Not-known"."""
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_RANGE = (1, 2_958_465)  # 1900-01-01 .. 9999-12-31


def is_unknown(raw: Any) -> bool:
    """True for an empty cell or an explicit unknown such as N/A, TBC or unknown."""
    if raw is None:
        return True
    if isinstance(raw, str):
        stripped = raw.strip()
        return stripped.lower() in _UNKNOWN_PLAIN or _UNKNOWN_SPELLED.match(stripped) is not None
    return False


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters (NUL and the like) that never enter stored text: they make lookalike keys
that no one can type. Tab and line breaks are kept, as cells hold them."""


def parse_text(raw: Any, warn: Warn) -> str | None:
    """Free text; numbers typed into a text column keep their written form (1001, not 1001.0).
    Text with a control character is refused (`str.isprintable` keeps the common case quick)."""
    if isinstance(raw, str):  # most cells: is_unknown's test inlined, the text stripped once
        text = raw.strip()
        if text.lower() in _UNKNOWN_PLAIN or _UNKNOWN_SPELLED.match(text) is not None:
            return None
    elif raw is None:
        return None
    elif isinstance(raw, bool):
        return "Yes" if raw else "No"
    elif isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    elif isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat()
    elif isinstance(raw, dt.date):
        return raw.isoformat()
    else:
        text = str(raw).strip()
    if not text.isprintable() and (control := _CONTROL.search(text)) is not None:
        raise CellError(
            f"contains a control character (U+{ord(control.group()):04X}), which is never "
            "stored; remove it",
            expected="text without control characters",
        )
    if text.startswith(FORMULA_STARTS) and len(text) > 1:
        warn("text starts like a spreadsheet formula; stored as plain text")
    return text


def parse_key(raw: Any, warn: Warn) -> str | None:
    """A key (a system reference or a department code): text in the one form every key takes
    (`estate.keys`: NFKC, invisible characters removed, space trimmed); a bidirectional
    control is refused."""
    text = parse_text(raw, warn)
    if text is None:
        return None
    try:
        return keys.normalise(text, "it") or None
    except keys.KeyRefused as exc:
        raise CellError(str(exc), expected="the key without hidden characters") from None


_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_MONEY = re.compile(r"^(?P<num>[+-]?[\d,]*\.?\d+)\s*(?P<unit>k|m|mn|bn|b|million|billion)?$")
_MULTIPLIERS = {"k": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9}


_APPROXIMATE = re.compile(
    r"^(?:approx(?:imately|\.)?|c\.?(?=\s*[£\d])|ca\.|circa|about|around|roughly"
    r"|est(?:imated|\.)?|~|\u2248)\s*",
    re.IGNORECASE,
)
"""Words departments put before a figure they only estimate: `approx 3.5m`, `c. £3.5m`, `~£3.5m`."""


def _approximate(raw: Any) -> tuple[Any, bool]:
    """(the figure without its "approx" / "c." / "~", whether it had one)."""
    if not isinstance(raw, str):
        return raw, False
    text = raw.strip()
    match = _APPROXIMATE.match(text)
    if match is None or match.end() == len(text):
        return raw, False
    return text[match.end() :], True


def _number(raw: Any, what: str) -> float | None:
    if isinstance(raw, bool):
        raise CellError(f"a yes/no value is not {what}", expected=what)
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, dt.date):
        raise CellError(f"a date is not {what}", expected=what)
    text = str(raw).strip().replace(" ", "")
    if _NUMBER.match(text):
        return float(text.replace(",", ""))
    raise CellError(f"not {what}", expected=what)


MAX_COUNT = 1_000_000_000
"""Largest count (users, staff, incidents) accepted: beyond it a value is a typing slip."""
MAX_MONEY = 100_000_000_000.0
"""Largest amount (£100bn a year) accepted: beyond it a value is a typing slip."""
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
"""Dates outside these are placeholders (31/12/9999 for "never") or typing slips, not facts."""


def parse_count(raw: Any, warn: Warn) -> int | None:
    """A whole number of at least zero (users, staff, incidents): `1,200` is read as 1200;
    `approx 5,000` and `c. 200` are read too, with a warning that they are approximate."""
    if is_unknown(raw):
        return None
    raw, approximate = _approximate(raw)
    number = _number(raw, "a whole number")
    assert number is not None
    if not number.is_integer():
        raise CellError("not a whole number", expected="a whole number such as 12")
    if number < 0:
        raise CellError("cannot be negative", expected="a whole number of 0 or more")
    if number > MAX_COUNT:
        raise CellError(
            f"more than {MAX_COUNT:,}; not a plausible count",
            expected=f"a whole number from 0 to {MAX_COUNT:,}",
        )
    if approximate:
        warn(f"an approximate number: stored as {int(number):,}")
    return int(number)


def parse_decimal(raw: Any, warn: Warn) -> float | None:
    """A number of at least zero that may have a fraction (hardware age in years: `7.5`)."""
    if is_unknown(raw):
        return None
    if isinstance(raw, str):
        raw = re.sub(r"\s*(years?|yrs?)\s*$", "", raw.strip(), flags=re.IGNORECASE)
    number = _number(raw, "a number")
    assert number is not None
    if number < 0:
        raise CellError("cannot be negative", expected="a number of 0 or more")
    return number


def parse_money(raw: Any, warn: Warn) -> float | None:
    """Pounds: `£1,200,000`, `1.2m`, `350k`, `£3.5 million`, `£1.5bn` or a plain number; never
    negative. An estimate (`approx 3.5m`, `c. £3.5m`, `~£3.5m`) is stored as its figure with a
    warning that it is approximate, rather than losing the system or the cost."""
    return _money(raw, warn, 1)


def money_parser(scale: float) -> Parser:
    """A parser for a money column whose header (or the mapping file) gives its amounts in
    thousands or millions of pounds (`Annual cost (£k)`: `1,100` is £1,100,000). A cell that
    names its own unit (`1.2m`, `350k`) keeps it."""
    if scale == 1:
        return parse_money

    def parse(raw: Any, warn: Warn) -> float | None:
        return _money(raw, warn, scale)

    return parse


def _money(raw: Any, warn: Warn, scale: float) -> float | None:
    if is_unknown(raw):
        return None
    raw, approximate = _approximate(raw)
    expected = "an amount in pounds such as £1,200,000 or 1.2m"
    if isinstance(raw, bool | dt.date):
        raise CellError("not an amount of money", expected=expected)
    if isinstance(raw, int | float):
        value = float(raw) * scale
    else:
        text = str(raw).strip().lower().replace("£", "").replace("gbp", "").replace(" ", "")
        text = text.removesuffix("pa").removesuffix("/yr").removesuffix("peryear")
        match = _MONEY.match(text)
        if match is None or not _NUMBER.match(match["num"].lstrip("+-") or "x"):
            raise CellError("not an amount of money", expected=expected)
        unit = match["unit"]
        multiplier = _MULTIPLIERS[unit] if unit else scale
        value = float(match["num"].replace(",", "")) * multiplier
    if value < 0:
        raise CellError("a run cost cannot be negative", expected=expected)
    if not value <= MAX_MONEY:  # also refuses infinity and NaN
        raise CellError(
            f"more than £{MAX_MONEY:,.0f}; not a plausible amount",
            expected=f"an amount up to £{MAX_MONEY / 1e9:,.0f}bn",
        )
    if approximate:
        warn(f"an approximate amount: stored as £{value:,.0f}")
    return round(value, 2)


_BOOL = {
    "y": True,
    "yes": True,
    "true": True,
    "t": True,
    "1": True,
    "x": True,
    "n": False,
    "no": False,
    "false": False,
    "f": False,
    "0": False,
}


def parse_bool(raw: Any, warn: Warn) -> bool | None:
    """Yes or no: Y/N, yes/no, true/false, 1/0 (and a real TRUE/FALSE cell)."""
    if is_unknown(raw):
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    found = _BOOL.get(normalise(str(raw)))
    if found is None:
        raise CellError("not yes or no", expected="Yes or No (Y/N, true/false also accepted)")
    return found


_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_name) if name})
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[T ][\d:.]+)?$")
_D_MON_Y = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([A-Za-z]+)\.?,?[\s\-]+(\d{4})$")
_MON_Y = re.compile(r"^([A-Za-z]+)\.?[\s\-,]+(\d{4})$")
_M_Y = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")
_DATE_EXPECTED = "a date such as 31/03/2025, 2025-03-31 or Mar 2025 (day first)"


def _end_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _make_date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        hint = " (dates are read day first, as in the UK)" if month > 12 and day <= 12 else ""
        raise CellError(f"no such date{hint}", expected=_DATE_EXPECTED) from None


def parse_date(raw: Any, warn: Warn) -> dt.date | None:
    """A date: a real spreadsheet date, an Excel serial number, UK day-first text, or text
    year first (2025-03-31, 2025/03/31), which is never day first.

    A month and year alone (`Mar 2025`, `03/2025`) means the last day of that month, and says
    so in a warning, because returns use such dates for deadlines and end-of-support. A date
    outside 1900-2100 is refused as a placeholder or a slip (31/12/9999, 01/01/0001).
    """
    value = _read_date(raw, warn)
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise CellError(
            f"{value:%d/%m/%Y} is outside the plausible range; leave it blank or write TBC if "
            "it is not known",
            expected=f"a date from {EARLIEST_DATE:%d/%m/%Y} to {LATEST_DATE:%d/%m/%Y}",
        )
    return value


def _read_date(raw: Any, warn: Warn) -> dt.date | None:
    if is_unknown(raw):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, bool):
        raise CellError("not a date", expected=_DATE_EXPECTED)
    if isinstance(raw, int | float):
        if raw.is_integer() if isinstance(raw, float) else True:
            serial = int(raw)
            if 1900 <= serial <= 2200:
                warn(f"{serial} read as a year alone: taken as 31/12/{serial}")
                return dt.date(serial, 12, 31)
            if _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
                return _EXCEL_EPOCH + dt.timedelta(days=serial)
        raise CellError("a number that is not a date", expected=_DATE_EXPECTED)
    text = str(raw).strip()
    if match := _ISO.match(text):
        return _make_date(int(match[1]), int(match[3]), int(match[4]))
    if match := _DMY.match(text):
        year = int(match[3])
        year += 2000 if year < 70 else (1900 if year < 100 else 0)
        return _make_date(year, int(match[2]), int(match[1]))
    if match := _D_MON_Y.match(text):
        month = _MONTHS.get(match[2].lower())
        if month is not None:
            return _make_date(int(match[3]), month, int(match[1]))
    if match := _MON_Y.match(text):
        month = _MONTHS.get(match[1].lower())
        if month is not None:
            result = _end_of_month(int(match[2]), month)
            warn(f"month only: taken as {result:%d/%m/%Y}")
            return result
    if match := _M_Y.match(text):
        month = int(match[1])
        if 1 <= month <= 12:
            result = _end_of_month(int(match[2]), month)
            warn(f"month only: taken as {result:%d/%m/%Y}")
            return result
    if text.isdigit() and len(text) == 4:
        warn(f"{text} read as a year alone: taken as 31/12/{text}")
        return dt.date(int(text), 12, 31)
    raise CellError("not a date", expected=_DATE_EXPECTED)


REMEMBERED_SPELLINGS = 1024
"""Distinct cell texts an enumeration's parser remembers the member of."""


LIFECYCLE_VOCABULARY: dict[str, StrEnum] = {
    # planned: proposed, approved or ordered, not yet being built
    "plan": LifecycleStatus.PLANNED,
    "ideation": LifecycleStatus.PLANNED,
    "under evaluation": LifecycleStatus.PLANNED,
    "in review": LifecycleStatus.PLANNED,
    "requested": LifecycleStatus.PLANNED,
    "chartered": LifecycleStatus.PLANNED,
    "approved": LifecycleStatus.PLANNED,
    "draft": LifecycleStatus.PLANNED,
    "on order": LifecycleStatus.PLANNED,
    "ordered": LifecycleStatus.PLANNED,
    "in stock": LifecycleStatus.PLANNED,
    "stock": LifecycleStatus.PLANNED,
    "pending install": LifecycleStatus.PLANNED,
    "ready": LifecycleStatus.PLANNED,
    "catalog": LifecycleStatus.PLANNED,
    # being built or introduced
    "design": LifecycleStatus.IN_DEVELOPMENT,
    "designed": LifecycleStatus.IN_DEVELOPMENT,
    "implementation": LifecycleStatus.IN_DEVELOPMENT,
    "implementing": LifecycleStatus.IN_DEVELOPMENT,
    "build and integrate": LifecycleStatus.IN_DEVELOPMENT,
    "built": LifecycleStatus.IN_DEVELOPMENT,
    "testing": LifecycleStatus.IN_DEVELOPMENT,
    "pilot": LifecycleStatus.IN_DEVELOPMENT,
    "phase in": LifecycleStatus.IN_DEVELOPMENT,
    "phasing in": LifecycleStatus.IN_DEVELOPMENT,
    # live: running, whatever its state of repair
    "active": LifecycleStatus.LIVE,
    "deployed": LifecycleStatus.LIVE,
    "installed": LifecycleStatus.LIVE,
    "in production": LifecycleStatus.LIVE,
    "operated": LifecycleStatus.LIVE,
    "available": LifecycleStatus.LIVE,
    "general availability": LifecycleStatus.LIVE,
    "in maintenance": LifecycleStatus.LIVE,
    "maintenance": LifecycleStatus.LIVE,
    "pending repair": LifecycleStatus.LIVE,
    "repair in progress": LifecycleStatus.LIVE,
    "under repair": LifecycleStatus.LIVE,
    "dr standby": LifecycleStatus.LIVE,
    "non operational": LifecycleStatus.LIVE,  # still in the estate, only not running now
    # being retired
    "phase out": LifecycleStatus.SUNSETTING,
    "phasing out": LifecycleStatus.SUNSETTING,
    "pending retirement": LifecycleStatus.SUNSETTING,
    "retiring": LifecycleStatus.SUNSETTING,
    "being retired": LifecycleStatus.SUNSETTING,
    "deprecated": LifecycleStatus.SUNSETTING,
    # retired: out of use, disposed of
    "end of life": LifecycleStatus.RETIRED,
    "eol": LifecycleStatus.RETIRED,
    "disposed": LifecycleStatus.RETIRED,
    "scrapped": LifecycleStatus.RETIRED,
    "obsolete": LifecycleStatus.RETIRED,
    "inactive": LifecycleStatus.RETIRED,
    "archived": LifecycleStatus.RETIRED,
    "withdrawn": LifecycleStatus.RETIRED,
    "uninstalled": LifecycleStatus.RETIRED,
    "absent": LifecycleStatus.RETIRED,
    "stolen": LifecycleStatus.RETIRED,
    # cancelled before it went live
    "canceled": LifecycleStatus.CANCELLED,
    "abandoned": LifecycleStatus.CANCELLED,
}
"""Lifecycle words as the tools departments export from record them, beyond the model's own
spellings: ServiceNow's install_status, operational_status and CSDM life cycle stages and
stage statuses, LeanIX's lifecycle phases (Plan, Phase In, Active, Phase Out, End of Life),
iTop's status values (production, implementation, obsolete, stock; active, inactive), GLPI
and i-doit states, ITIL's words. "End of Life" is LeanIX's phase after Phase Out (out of use),
so it is retired here."""

VOCABULARIES: dict[type[StrEnum], dict[str, StrEnum]] = {LifecycleStatus: LIFECYCLE_VOCABULARY}
"""Words a return's cells may hold for an enumeration beyond the model's own spellings: read
before them."""


def enum_parser(enum_cls: type[StrEnum], vocabulary: dict[str, StrEnum] | None = None) -> Parser:
    """A parser for one enumeration, through the model's single spelling map, after the
    documented tool vocabularies (`VOCABULARIES`) and a mapping file's own words
    (`vocabulary`, keys as `normalise` leaves them), which win. A reading that is a judgement
    (a provider's name as hosting, a Gold / Silver / Bronze tier) is warned about. A column
    holds the same few spellings thousands of times, so each text's reading is remembered."""
    remembered: dict[str, tuple[StrEnum, str | None]] = {}
    words = {**VOCABULARIES.get(enum_cls, {}), **(vocabulary or {})}

    def parse(raw: Any, warn: Warn) -> StrEnum | None:
        if isinstance(raw, str):
            found = remembered.get(raw)
            if found is not None:
                if found[1] is not None:
                    warn(found[1])
                return found[0]
        if is_unknown(raw):
            return None
        warnings: list[str] = []
        text = parse_text(raw, warnings.append)
        for message in warnings:
            warn(message)
        assert text is not None
        try:
            said = words.get(normalise(text))
            member, note = (said, None) if said is not None else read_enum(enum_cls, text)
        except UnknownSpelling as exc:
            expected = "one of " + ", ".join(exc.allowed)
            if exc.suggestions:
                expected += f" (did you mean {' or '.join(repr(s) for s in exc.suggestions)}?)"
            raise CellError(f"not a recognised {_words(enum_cls.__name__)}", expected) from None
        if note is not None:
            warn(note)
        if isinstance(raw, str) and not warnings and len(remembered) < REMEMBERED_SPELLINGS:
            remembered[raw] = (member, note)
        return member

    return parse


def _words(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def score_parser(high: int) -> Parser:
    """A parser for a framework score from 1 to `high`."""
    expected = f"a whole number from 1 to {high}"

    def parse(raw: Any, warn: Warn) -> int | None:
        if is_unknown(raw):
            return None
        try:
            number = _number(raw, expected)
        except CellError:
            raise CellError("not a score", expected=expected) from None
        if number is None or not number.is_integer() or not 1 <= number <= high:
            raise CellError(f"a score must be 1 to {high}", expected=expected)
        return int(number)

    return parse
