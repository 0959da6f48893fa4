"""Values as departments write them: estimates, provider names as hosting, criticality scales,
and a "did you mean" for every value refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from estate.enums import (
    CRITICALITY_SCALES,
    METAL_SCALE,
    Criticality,
    Hosting,
    UnknownSpelling,
    read_enum,
)
from importers import ImportOptions, import_return
from importers.layout import RecordKind
from importers.template import write_return
from importers.values import parse_count, parse_money
from tests.returns import small_return, system


@pytest.mark.parametrize(
    ("text", "pounds"),
    [
        ("approx 3.5m", 3_500_000),
        ("Approx. £1,200,000 pa", 1_200_000),
        ("c. £3.5m", 3_500_000),
        ("c £350k", 350_000),
        ("~£3.5m", 3_500_000),
        ("circa 2m", 2_000_000),
        ("about £40,000", 40_000),
    ],
)
def test_an_estimated_cost_is_stored_with_a_warning(text: str, pounds: float) -> None:
    warnings: list[str] = []
    assert parse_money(text, warnings.append) == pounds
    assert warnings == [f"an approximate amount: stored as £{pounds:,.0f}"]


def test_an_amount_in_words_is_exact() -> None:
    warnings: list[str] = []
    assert parse_money("£3.5 million", warnings.append) == 3_500_000
    assert warnings == []


def test_approx_alone_is_not_an_amount() -> None:
    with pytest.raises(ValueError, match="not an amount of money"):
        parse_money("approx", lambda _m: None)


def test_an_estimated_count_is_stored_with_a_warning() -> None:
    warnings: list[str] = []
    assert parse_count("approx 5,000", warnings.append) == 5000
    assert warnings == ["an approximate number: stored as 5,000"]


@pytest.mark.parametrize(
    ("text", "hosting", "provider"),
    [
        ("AWS", Hosting.PUBLIC_IAAS, "AWS"),
        ("Microsoft Azure", Hosting.PUBLIC_IAAS, "Microsoft Azure"),
        ("Azure PaaS", Hosting.PUBLIC_PAAS, "Microsoft Azure"),
        ("Public cloud (GCP)", Hosting.PUBLIC_IAAS, "Google Cloud"),
        ("Oracle Cloud", Hosting.PUBLIC_IAAS, "Oracle Cloud"),
        ("Salesforce", Hosting.SAAS, "Salesforce"),
        ("Crown Hosting", Hosting.COLOCATION, None),
    ],
)
def test_a_provider_as_hosting_is_read_with_a_note(
    text: str, hosting: Hosting, provider: str | None
) -> None:
    member, note = read_enum(Hosting, text)
    assert member is hosting
    said = f" (cloud provider {provider})" if provider else ""
    assert note == f"a provider, not a hosting model: taken as {hosting.value}{said}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 - most critical", Criticality.CRITICAL),
        ("1", Criticality.CRITICAL),
        ("2 - high", Criticality.HIGH),
        ("4 - least critical", Criticality.LOW),
        ("Tier 1", Criticality.CRITICAL),
        ("Tier 0", Criticality.CRITICAL),
        ("Tier 3", Criticality.MEDIUM),
        ("P2", Criticality.HIGH),
        ("H", Criticality.HIGH),
    ],
)
def test_criticality_scales_read_without_a_note(text: str, expected: Criticality) -> None:
    assert read_enum(Criticality, text) == (expected, None)


def test_every_documented_scale_level_is_read() -> None:
    for scale in CRITICALITY_SCALES.values():
        for text, expected in scale.items():
            assert read_enum(Criticality, text)[0] is expected


@pytest.mark.parametrize("metal", ["Gold", "Silver", "Bronze", "Platinum"])
def test_gold_silver_bronze_is_read_with_a_note(metal: str) -> None:
    expected = METAL_SCALE[metal.lower()]
    assert read_enum(Criticality, metal) == (
        expected,
        f"read on the Gold / Silver / Bronze scale as {expected.value}",
    )


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [("Amazn", "AWS"), ("Azur", "Microsoft Azure"), ("Critcal", "Critical")],
)
def test_a_refused_value_gets_a_did_you_mean(text: str, suggestion: str) -> None:
    enum_cls = Criticality if text.startswith("Cr") else Hosting
    with pytest.raises(UnknownSpelling) as caught:
        read_enum(enum_cls, text)
    assert caught.value.suggestions[0] == suggestion


def _register(path: Path, **fields: object) -> Path:
    return small_return(path, systems=[system("DBP-1", **fields), system("DBP-2")])


def _stored(engine: Engine, *columns: str) -> tuple[object, ...]:
    with engine.connect() as connection:
        row = connection.exec_driver_sql(
            f"SELECT {', '.join(columns)} FROM system WHERE reference = 'DBP-1'"
        ).one()
    return tuple(row)


def test_a_return_with_estimates_and_provider_names_imports_strictly(
    empty_engine: Engine, tmp_path: Path
) -> None:
    path = _register(
        tmp_path / "r.xlsx",
        annual_run_cost="c. £3.5m",
        hosting="AWS",
        criticality="1 - most critical",
        cloud_provider=None,
    )
    result = import_return(empty_engine, path)
    assert result.stored and not result.errors
    stored = _stored(empty_engine, "annual_run_cost", "hosting", "cloud_provider", "criticality")
    assert stored == (
        3_500_000,
        "Public cloud IaaS",
        "AWS",
        "Critical",
    )
    notes = {(p.column, p.message) for p in result.warnings}
    assert ("R", "an approximate amount: stored as £3,500,000") in notes
    assert (
        "J",
        "a provider, not a hosting model: taken as Public cloud IaaS (cloud provider AWS)",
    ) in notes


def test_a_provider_given_in_its_own_column_wins(empty_engine: Engine, tmp_path: Path) -> None:
    path = _register(tmp_path / "r.xlsx", hosting="Azure", cloud_provider="Azure (Crown tenancy)")
    assert import_return(empty_engine, path).stored
    assert _stored(empty_engine, "cloud_provider") == ("Azure (Crown tenancy)",)


def test_a_register_without_a_provider_column_keeps_the_provider(
    empty_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "register.xlsx"
    rows = [
        {"department": "DBP", "reference": "DBP-1", "name": "Payments", "hosting": "GCP"},
        {"department": "DBP", "reference": "DBP-2", "name": "Ledger", "hosting": "On-prem"},
    ]
    write_return(path, cover={"Department code": "DBP"}, records={RecordKind.SYSTEMS: rows})
    # The template has a cloud provider column; drop it as a department's register would.
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book["Systems"]
    column = next(c.column for c in sheet[1] if c.value == "Cloud provider")
    sheet.delete_cols(column)
    book.save(path)
    assert import_return(empty_engine, path, ImportOptions()).stored
    with empty_engine.connect() as connection:
        stored: dict[str, str | None] = dict(
            connection.execute(sa.text("SELECT reference, cloud_provider FROM system")).all()
        )
    assert stored == {"DBP-1": "Google Cloud", "DBP-2": None}


def test_a_refused_hosting_names_the_closest_spelling(empty_engine: Engine, tmp_path: Path) -> None:
    result = import_return(empty_engine, _register(tmp_path / "r.xlsx", hosting="Amazn"))
    assert not result.stored
    error = result.errors[0]
    assert error.column == "J" and error.value == "Amazn"
    assert error.expected is not None and error.expected.endswith("(did you mean 'AWS'?)")
