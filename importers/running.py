"""Reading a system's running facts: utilisation as a percentage, PUE, memory and storage with
their units, energy in kWh or MWh, and the hardware's purchase year. Each parser returns the
value in the unit the estate stores, None for an explicit unknown, or raises `CellError`."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from importers.problems import CellError
from importers.values import Parser, Warn, is_unknown, parse_decimal

_UNIT = re.compile(r"^\s*(?P<num>[+-]?[\d,]*\.?\d+)\s*(?P<unit>[a-z%]+)?\s*$", re.IGNORECASE)


def _split(raw: Any) -> tuple[Any, str]:
    """(the number, its unit in lower case or "") of a cell such as `16 GB` or `35%`."""
    if isinstance(raw, str):
        match = _UNIT.match(raw)
        if match is not None:
            return match["num"].replace(",", ""), (match["unit"] or "").lower()
    return raw, ""


def _scaled(raw: Any, warn: Warn, units: dict[str, float], expected: str) -> float | None:
    number, unit = _split(raw)
    if unit and unit not in units:
        raise CellError(f"unit {unit!r} not understood", expected=expected)
    value = parse_decimal(number, warn)
    if value is None:
        return None
    return value * units.get(unit, 1.0)


def parse_percent(raw: Any, warn: Warn) -> float | None:
    """A percentage from 0 to 100 (`35`, `35%`, `12.5 %`); a fraction written with a percent
    cell format (0.35 shown as 35%) is read as the percentage it shows, with a warning."""
    if is_unknown(raw):
        return None
    number, unit = _split(raw)
    if unit not in ("", "%", "percent", "pc"):
        raise CellError(f"unit {unit!r} not understood", expected="a percentage from 0 to 100")
    value = parse_decimal(number, warn)
    assert value is not None
    if not unit and isinstance(raw, float) and 0 < value < 1:
        warn(f"read as {value * 100:g}% (a fraction of 1)")
        value *= 100
    if value > 100:
        raise CellError("more than 100%", expected="a percentage from 0 to 100")
    return value


def parse_pue(raw: Any, warn: Warn) -> float | None:
    """A power usage effectiveness: 1.0 or more (1.0 is a site with no overhead at all); more
    than 4 is not a plausible site."""
    if is_unknown(raw):
        return None
    value = parse_decimal(raw, warn)
    assert value is not None
    if not 1 <= value <= 4:
        raise CellError("not a plausible PUE", expected="a PUE from 1.0 to 4.0, such as 1.6")
    return value


MEMORY_UNITS = {"gb": 1.0, "gib": 1.0, "g": 1.0, "mb": 1 / 1024, "mib": 1 / 1024, "tb": 1024.0}
STORAGE_UNITS = {
    "tb": 1.0,
    "tib": 1.0,
    "t": 1.0,
    "gb": 1 / 1024,
    "gib": 1 / 1024,
    "mb": 1 / 1024**2,
    "mib": 1 / 1024**2,
    "pb": 1024.0,
}
ENERGY_UNITS = {"kwh": 1.0, "mwh": 1000.0, "gwh": 1_000_000.0}

_MEMORY_EXPECTED = "memory in GB, such as 64 or 64 GB"
_STORAGE_EXPECTED = "storage in TB, such as 2 or 500 GB"

UNITS_BY_FIELD = {"memory_gb": MEMORY_UNITS, "storage_tb": STORAGE_UNITS}
"""The fields whose cells a column may give in another unit (memory in MB, storage in GB), each
with the units it reads and what each is in the estate's unit."""


_MB_HEADER = re.compile(r"\b(?:mb|mib|megabytes?)\b", re.IGNORECASE)
"""A memory header naming megabytes ("*Memory (In MB)", Azure Migrate's; "RAM MB")."""


def _in_unit(units: dict[str, float], unit: str, expected: str) -> Parser:
    """A parser of figures in the estate's unit, a bare figure being in `unit` (one of
    `units`) and a figure with its own unit (`16384 MB`, `1 TB`) read in that."""
    per_unit = units[unit]

    def parse(raw: Any, warn: Warn) -> float | None:
        if is_unknown(raw):
            return None
        _number, own = _split(raw)
        value = _scaled(raw, warn, units, expected)
        return value * per_unit if value is not None and not own else value

    return parse


def unit_parser(field_name: str, unit: str) -> Parser:
    """The parser of a `field_name` column (one of `UNITS_BY_FIELD`) whose bare figures are in
    `unit`: RVTools' `Memory` in MiB, AWS's `RAM.TotalSizeInMB`, as an import profile says.
    `KeyError` for a field or unit it does not know."""
    units = UNITS_BY_FIELD[field_name]
    key = unit.strip().lower()
    if key not in units:
        raise KeyError(unit)
    expected = _MEMORY_EXPECTED if field_name == "memory_gb" else _STORAGE_EXPECTED
    return _in_unit(units, key, expected)


def memory_parser(header: str) -> Parser:
    """Memory in GB from a column headed `header`: a bare figure is in the unit the header
    names (MB under "Memory (In MB)", else GB); a figure with its own unit (`16384 MB`,
    `1 TB`) is read in that."""
    return _in_unit(MEMORY_UNITS, "mb" if _MB_HEADER.search(header) else "gb", _MEMORY_EXPECTED)


parse_memory = memory_parser("Memory (GB)")
"""Memory in GB (`16`, `16 GB`, `16384 MB`, `1 TB`), as the template's column gives it."""


def parse_storage(raw: Any, warn: Warn) -> float | None:
    """Storage in TB (`2`, `2 TB`, `500 GB`)."""
    if is_unknown(raw):
        return None
    return _scaled(raw, warn, STORAGE_UNITS, _STORAGE_EXPECTED)


def parse_energy(raw: Any, warn: Warn) -> float | None:
    """Energy a year in kWh (`12,000`, `12,000 kWh`, `12 MWh`)."""
    if is_unknown(raw):
        return None
    return _scaled(raw, warn, ENERGY_UNITS, "kWh a year, such as 12,000 or 12 MWh")


EARLIEST_YEAR = 1950


def parse_year(raw: Any, warn: Warn) -> int | None:
    """A year of purchase (`2014`); a date is read as its year, with a warning."""
    if is_unknown(raw):
        return None
    if isinstance(raw, dt.date):
        warn(f"a date: read as its year, {raw.year}")
        return raw.year
    value = parse_decimal(raw, warn)
    assert value is not None
    if not value.is_integer() or not EARLIEST_YEAR <= value <= 2100:
        raise CellError("not a year", expected=f"a year from {EARLIEST_YEAR}, such as 2014")
    return int(value)


_AWS_SIZE = re.compile(
    r"^(?P<family>[a-z]+\d+[a-z0-9-]*)\.(?P<times>\d*)(?P<size>nano|micro|small|medium|large|"
    r"xlarge)$"
)
_AWS_SMALL = {"nano": 2, "micro": 2, "small": 2, "medium": 2, "large": 2}
_AZURE_SIZE = re.compile(r"^(?:standard|basic)_[a-z]+(?P<vcpus>\d+)[a-z-]*(?:_v\d+)?$")


def instance_vcpus(text: str) -> int | None:
    """The vCPUs of a cloud instance size as its provider names it: AWS `m5.2xlarge` (8: a
    `large` has 2 and each `xlarge` 4), Azure `Standard_D4s_v3` (4: the number after the
    family); None for any other text."""
    key = text.strip().lower()
    aws = _AWS_SIZE.match(key)
    if aws is not None:
        if aws["size"] == "xlarge":
            return 4 * int(aws["times"] or 1)
        return _AWS_SMALL[aws["size"]]
    azure = _AZURE_SIZE.match(key)
    if azure is not None:
        return int(azure["vcpus"])
    return None


_COUNTED = re.compile(r"^\s*(?P<count>[\d,]+)\s*(?:v?cpus?|cores?|threads?|vcores?)\s*$", re.I)


def parse_vcpus(raw: Any, warn: Warn) -> int | None:
    """Cores or vCPUs: a whole number (`16`, `16 vCPUs`, `8 cores`), or a cloud instance size
    (`m5.2xlarge`, `Standard_D4s_v3`) read as its vCPUs, with a warning saying so."""
    if is_unknown(raw):
        return None
    if isinstance(raw, str) and (counted := _COUNTED.match(raw)) is not None:
        raw = counted["count"]  # "16 vCPUs", "8 cores"
    if isinstance(raw, str) and not raw.strip().replace(",", "").isdigit():
        vcpus = instance_vcpus(raw)
        if vcpus is None:
            raise CellError(
                "not a number of cores or an instance size",
                expected="a whole number of cores or vCPUs, or an instance size (m5.xlarge)",
            )
        warn(f"instance size {raw.strip()}: read as {vcpus} vCPUs")
        return vcpus
    value = parse_decimal(raw, warn)
    assert value is not None
    if not value.is_integer():
        raise CellError("not a whole number", expected="a whole number of cores or vCPUs")
    return int(value)
