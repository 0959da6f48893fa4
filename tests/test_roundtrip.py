"""Property: any text a department's tools write (Python's csv.writer in every dialect and
encoding, or openpyxl as a text cell) imports back exactly as written, under the documented
rules only: surrounding spaces are trimmed, the unknown tokens (N/A, TBC, ...) mean unknown,
control characters are refused, and a reference is read in the one form every key takes
(`estate.keys`)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from estate import keys
from importers.parse import parse_return
from importers.values import is_unknown
from tests.conftest import examples

HEADER = ["Department", "System reference", "System name", "Notes"]

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=60
).filter(lambda t: t == t.strip() and not is_unknown(t))
"""Text a cell may hold and keep: no control characters, no surrounding spaces, not a token
that means unknown."""


def _key(text: str) -> str:
    try:
        return keys.normalise(text)
    except keys.KeyRefused:
        return ""


KEY = TEXT.map(_key).filter(lambda t: 0 < len(t) <= 64 and not is_unknown(t))
"""A reference as a return may give it and keep it: in its one form (NFKC, nothing invisible)."""

SETTINGS = settings(
    max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _read_back(path: Path) -> list[tuple[str, str, str]]:
    parsed = parse_return(path, department="DBP")
    assert not parsed.has_errors, [(p.message, p.value) for p in parsed.problems]
    records = parsed.records[next(iter(parsed.records))]
    return [(r.values["reference"], r.values["name"], r.values["notes"]) for r in records]


@SETTINGS
@given(
    rows=st.lists(
        st.tuples(KEY, TEXT, TEXT), min_size=1, max_size=4, unique_by=lambda r: r[0].casefold()
    ),
    dialect=st.sampled_from(csv.list_dialects()),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_text_written_by_csv_writer_reads_back_exactly(
    rows: list[tuple[str, str, str]], dialect: str, encoding: str
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect=dialect)
    writer.writerow(HEADER)
    writer.writerows(["DBP", *row] for row in rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dbp.csv"
        path.write_bytes(buffer.getvalue().encode(encoding))
        assert _read_back(path) == rows


@SETTINGS
@given(
    rows=st.lists(
        st.tuples(KEY, TEXT, TEXT), min_size=1, max_size=4, unique_by=lambda r: r[0].casefold()
    )
)
def test_text_written_by_openpyxl_reads_back_exactly(rows: list[tuple[str, str, str]]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Systems"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(["DBP"])
        for column, value in enumerate(row, start=2):
            cell = sheet.cell(sheet.max_row, column)
            cell.value = value
            cell.data_type = "s"  # a text cell, even when it starts with "="
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dbp.xlsx"
        book.save(path)
        assert _read_back(path) == rows
