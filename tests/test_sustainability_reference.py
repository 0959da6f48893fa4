"""The bundled reference figures: read as published, each sourced, and tied to
docs/sustainability.md, so a figure cannot change without the page that sources it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from estate.sustainability import reference
from estate.sustainability.reference import load_reference

DOC = Path(__file__).resolve().parents[1] / "docs" / "sustainability.md"


def test_the_page_records_the_bundled_files_checksum() -> None:
    recorded = re.findall(r"`([0-9a-f]{64})`", DOC.read_text("utf-8"))
    assert recorded == [reference.digest()], (
        "reference.toml changed: update docs/sustainability.md's table of figures and the "
        "checksum it records"
    )


def test_every_section_names_its_source_licence_and_year() -> None:
    data = tomllib.loads(reference.text().decode("utf-8"))
    sourced = [
        data["electricity"],
        data["pue"]["enterprise"],
        data["pue"]["colocation"],
        *data["pue"]["providers"].values(),
        data["power"],
        data["embodied"],
        data["regions"],
    ]
    for table in sourced:
        assert table["source"] and table["licence"] and table["url"].startswith("https://")


def test_each_figure_on_the_page_is_the_bundled_one() -> None:
    page = DOC.read_text("utf-8")
    ref = load_reference()
    for year, grid in ref.grid.items():
        assert f"{grid.generation:.5f} ({year})" in page
        assert f"{grid.transmission:.5f} ({year})" in page
    assert f"| {ref.pue_enterprise:g} |" in page
    assert f"| {ref.pue_colocation:g} |" in page
    for power in (p for _, p in ref.generations):
        assert f"{power.name} {power.min_watts:g}-{power.max_watts:g}" in page


@pytest.mark.parametrize(
    ("year", "total"),
    [(2022, 0.19338 + 0.01769), (2024, 0.20705 + 0.0183), (2025, 0.177 + 0.01853)],
)
def test_the_uk_factors_are_desnzs(year: int, total: float) -> None:
    assert load_reference().grid_for(year).total == pytest.approx(total)


def test_a_year_before_the_first_set_takes_the_first() -> None:
    assert load_reference().grid_for(2010).year == 2022
