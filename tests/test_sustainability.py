"""Energy and carbon estimates: a hand-worked estate of five systems (metered, from servers and
utilisation, from hosting alone, in a cloud region, nothing known), each figure checked against
arithmetic done by hand from the published reference figures, and every default named."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import cast

import pytest
from rich.console import Console

from estate.enums import Hosting
from estate.scoring.results import SystemScore
from estate.sustainability.estimate import Basis, estimate
from estate.sustainability.facts import RunningFacts, SiteKind, facts_of, provider_of_region
from estate.sustainability.moves import Move, saving
from estate.sustainability.reference import load_reference
from estate.sustainability.render import render_carbon
from estate.sustainability.scored import scored_carbon
from estate.sustainability.stored import StoredSystem, estate_carbon
from estate.sustainability.summary import carbon_of, summarise
from estate.sustainability.trend import carbon_by_department

REF = load_reference()
YEAR = 2025
GRID_2025 = 0.177 + 0.01853
"""DESNZ 2025: UK electricity generation 0.17700 + T&D 0.01853 kg CO2e per kWh."""


def _facts(**given: object) -> RunningFacts:
    values: dict[str, object] = dict.fromkeys(RunningFacts._fields)
    values["gone"] = False
    values.update(given)
    return RunningFacts(**values)  # type: ignore[arg-type]


METERED = _facts(hosting=Hosting.ON_PREMISES, metered_kwh=10_000.0)
SERVERS = _facts(
    hosting=Hosting.ON_PREMISES,
    physical_servers=2,
    vcpus=32,
    memory_gb=128.0,
    cpu_utilisation=20.0,
    site_pue=1.8,
    hardware_year=2015,
)
HOSTING_ONLY = _facts(hosting=Hosting.COLOCATION)
CLOUD = _facts(
    hosting=Hosting.PUBLIC_IAAS,
    cloud_provider="Google Cloud",
    site="europe-west2",
    vcpus=16,
    cpu_utilisation=30.0,
)
NOTHING = _facts()


def test_a_metered_system_is_its_meter_times_the_enterprise_pue_and_the_years_factor() -> None:
    found = estimate(METERED, REF, YEAR)
    assert found.basis is Basis.METERED
    # 10,000 kWh x PUE 1.56 (Uptime 2024) = 15,600 kWh; x 0.19553 = 3,050.268 kg
    assert found.kwh == pytest.approx(15_600.0)
    assert found.kg_co2e == pytest.approx(3_050.268)
    assert found.factor == pytest.approx(GRID_2025)
    assert found.defaults == (
        "PUE: enterprise data centre average 1.56 (Uptime 2024)",
        "physical servers: not given, taken as 1",
    )
    assert found.embodied_kg_a_year is None, "its hardware's age is not known"
    assert any("DESNZ 2025" in step for step in found.steps)


def test_a_system_with_servers_and_utilisation_uses_its_hardwares_generation() -> None:
    found = estimate(SERVERS, REF, YEAR)
    assert found.basis is Basis.SERVERS
    # Hardware of 2015 is Haswell: 1.0 to 4.74 W per vCPU.
    # 32 x (1.0 + 20% x 3.74) = 55.936 W; + 128 GB x 0.392 W = 50.176 W; 106.112 W x 8,760 h
    assert found.it_kwh == pytest.approx(929.54112)
    assert found.kwh == pytest.approx(1_673.174016)  # x its own PUE 1.8
    assert found.kg_co2e == pytest.approx(327.15571534848)
    assert found.defaults == (), "everything the estimate needs was given"
    # Ten years old, past the four-year life: two servers of 1,000 kg + (64 - 16) GB x 1.388
    assert found.servers_past_life == 2
    assert found.past_life_embodied_kg == pytest.approx(2_133.248)
    assert found.embodied_kg_a_year == 0


def test_a_system_known_only_by_its_hosting_is_one_default_server_at_its_sites_pue() -> None:
    found = estimate(HOSTING_ONLY, REF, YEAR)
    assert found.basis is Basis.HOSTING
    assert found.kind is SiteKind.COLOCATION
    # 8 vCPUs x (0.74 + 50% x 2.76) = 16.96 W x 8,760 h = 148.5696 kWh; x 1.42 = 210.968832
    assert found.it_kwh == pytest.approx(148.5696)
    assert found.kwh == pytest.approx(210.968832)
    assert found.kg_co2e == pytest.approx(41.25073572096)
    named = " | ".join(found.defaults)
    for default in (
        "size: a system of unknown size is taken as one 8-vCPU server",
        "hardware year: not given",
        "CPU utilisation: 50%",
        "PUE: co-location average 1.42",
        "physical servers: not given, taken as 1",
    ):
        assert default in named


def test_a_cloud_region_uses_the_providers_power_pue_and_published_grid_factor() -> None:
    found = estimate(CLOUD, REF, YEAR)
    assert found.kind is SiteKind.CLOUD
    # Google Cloud: 0.71 to 4.26 W per vCPU; 16 x (0.71 + 30% x 3.55) = 28.4 W = 248.784 kWh
    assert found.it_kwh == pytest.approx(248.784)
    assert found.kwh == pytest.approx(273.6624)  # x Google's PUE 1.10
    assert found.factor == pytest.approx(0.231)  # europe-west2, Google's published figure
    assert found.kg_co2e == pytest.approx(63.2160144)
    assert found.defaults == ("PUE: Google Cloud's published 1.1",)
    assert found.embodied_kg_a_year == 0, "the provider's hardware is the provider's"


def test_a_system_nothing_is_known_about_is_not_estimated_and_counted_apart() -> None:
    found = estimate(NOTHING, REF, YEAR)
    assert found.basis is Basis.NONE
    assert found.kg_co2e is None and found.kwh is None
    systems = [
        carbon_of(f"D/{n}", n, "D", facts, None, None, REF, YEAR)
        for n, facts in (
            ("metered", METERED),
            ("servers", SERVERS),
            ("hosting", HOSTING_ONLY),
            ("cloud", CLOUD),
            ("nothing", NOTHING),
        )
    ]
    total = summarise(systems, REF, YEAR).total
    assert total.systems == 5
    assert total.not_estimated == 1
    assert total.kg_co2e == pytest.approx(3_050.268 + 327.15571534848 + 41.25073572096 + 63.2160144)
    assert total.servers_past_life == 2


def test_a_uk_cloud_region_takes_the_uk_grid_and_an_unknown_year_the_latest_set() -> None:
    found = estimate(
        _facts(hosting=Hosting.PUBLIC_IAAS, site="uksouth", vcpus=4, cpu_utilisation=10.0),
        REF,
        2031,
    )
    assert found.factor == pytest.approx(GRID_2025)
    assert any("latest set for 2031" in step for step in found.steps)
    assert found.pue == pytest.approx(1.185), "uksouth is Microsoft Azure's"
    assert estimate(METERED, REF, 2022).factor == pytest.approx(0.19338 + 0.01769)


@pytest.mark.parametrize(
    ("region", "provider"),
    [
        ("eu-west-2", "AWS"),
        ("us-gov-west-1", "AWS"),
        ("europe-west2", "Google Cloud"),
        ("uksouth", "Microsoft Azure"),
        ("Crown Hosting Corsham", None),
    ],
)
def test_a_regions_name_says_its_provider(region: str, provider: str | None) -> None:
    assert provider_of_region(region) == provider


def test_retiring_saves_everything_and_frees_its_servers() -> None:
    before = estimate(METERED, REF, YEAR)
    found = saving(METERED, before, Move.RETIRE, REF, YEAR)
    assert found.kg_saved == pytest.approx(3_050.268)
    assert found.servers_freed == 1


def test_replatforming_moves_the_same_work_to_fewer_vcpus_in_a_uk_region() -> None:
    before = estimate(SERVERS, REF, YEAR)
    found = saving(SERVERS, before, Move.REPLATFORM, REF, YEAR)
    # 32 vCPUs at 20% is the work of 640 vCPU-%: 13 vCPUs at 49.2% on AWS's coefficients,
    # 13 x 0.74 + 6.4 x 2.76 + 128 GB x 0.392 = 77.46 W; x 8,760 h x PUE 1.135 x 0.19553
    assert found.kg_after == pytest.approx(150.58817173188)
    assert found.kg_saved == pytest.approx(176.5675436166)
    assert found.servers_freed == 2
    assert any("13" in step for step in found.steps)


def test_rehosting_a_metered_system_carries_its_meter_over() -> None:
    facts = METERED._replace(vcpus=8, cpu_utilisation=50.0)
    before = estimate(facts, REF, YEAR)
    found = saving(facts, before, Move.REHOST, REF, YEAR)
    assert found.kwh_after is not None and before.it_kwh is not None
    # The model says 148.5696 kWh for it today (AWS average server); its meter says 10,000:
    # the cloud's figure is scaled by the same 67.3 times.
    scale = 10_000 / 148.5696
    assert found.kwh_after == pytest.approx(148.5696 * 1.135 * scale)
    assert any("scaled by its meter" in step for step in found.steps)


def test_a_system_not_estimated_has_no_saving() -> None:
    found = saving(NOTHING, estimate(NOTHING, REF, YEAR), Move.RETIRE, REF, YEAR)
    assert found.kg_saved is None


def test_repurchase_leaves_the_estates_footprint_and_says_whose_it_becomes() -> None:
    before = estimate(HOSTING_ONLY, REF, YEAR)
    found = saving(HOSTING_ONLY, before, Move.REPURCHASE, REF, YEAR)
    assert found.kg_saved == pytest.approx(41.25073572096)
    assert "supplier" in found.steps[0]


def test_a_retired_system_uses_nothing_and_no_move_saves_anything() -> None:
    facts = SERVERS._replace(gone=True)
    found = estimate(facts, REF, YEAR)
    assert found.kg_co2e == 0 and found.kwh == 0
    for move in Move:
        assert saving(facts, found, move, REF, YEAR).kg_saved == 0


@pytest.mark.parametrize("status", ["Retired", "Cancelled"])
def test_a_row_retired_or_cancelled_is_gone_and_left_out_of_every_total(status: str) -> None:
    """Whatever a caller passes, systems retired or cancelled add nothing to any total: the
    scored rows (exports, TUI), the stored rows (`estate carbon`) and the trend."""
    live = SimpleNamespace(
        hosting="On-premises data centre", physical_servers=2, lifecycle_status="Live"
    )
    gone = SimpleNamespace(
        hosting="On-premises data centre", physical_servers=9, lifecycle_status=status
    )
    assert facts_of(gone).gone and not facts_of(live).gone

    def scored(key: str, row: SimpleNamespace) -> SystemScore:
        readiness = SimpleNamespace(disposition=None)
        found = SimpleNamespace(
            key=key, name=key, department="DBP", record=row, readiness=readiness
        )
        return cast(SystemScore, found)

    as_of = dt.date(YEAR, 6, 30)
    alone = scored_carbon([scored("DBP/L", live)], as_of)
    both = scored_carbon([scored("DBP/L", live), scored("DBP/G", gone)], as_of)
    assert both.total == alone.total and [s.key for s in both.systems] == ["DBP/L"]
    stored = [
        StoredSystem(key, key, "DBP", facts_of(row), None)
        for key, row in (("DBP/L", live), ("DBP/G", gone))
    ]
    assert [s.key for s in estate_carbon(stored, {}, REF, YEAR)] == ["DBP/L"]
    standing = [SimpleNamespace(department="DBP", row=row) for row in (live, gone)]
    trend = carbon_by_department(standing, YEAR, "")
    assert trend[""] == trend["DBP"]
    assert trend["DBP"][0] == pytest.approx(alone.total.kg_co2e) and trend["DBP"][1] == 0


def test_a_moves_working_words_its_sizing_to_a_tenth_of_a_per_cent() -> None:
    """7 vCPUs at 20% are 140 vCPU-per-cent of work: at no more than 50%, 3 vCPUs at 46.67%,
    worded 46.7% wherever the working shows it."""
    facts = _facts(hosting=Hosting.ON_PREMISES, vcpus=7, cpu_utilisation=20, hardware_year=2019)
    before = estimate(facts, REF, YEAR)
    found = saving(facts, before, Move.CONSOLIDATE, REF, YEAR)
    words = " ".join(found.steps)
    assert "7 vCPUs at 20% become 3 at 46.7%" in words
    assert "3 vCPUs x (0.65 + 46.7% x (4.26 - 0.65)) W" in words
    assert "46.66" not in words


def test_a_system_retired_or_cancelled_shows_it_is_in_no_figure() -> None:
    """Its screen (`estate show`, the TUI) says it has left the figures, not that it uses
    0 kWh or that retiring it would save nothing."""
    found = carbon_of("DBP/G", "G", "DBP", SERVERS._replace(gone=True), "Retire", None, REF, YEAR)
    console = Console(width=200, record=True)
    console.print(render_carbon(found))
    text = console.export_text()
    assert "retired or cancelled" in text and "left the estate's figures" in text
    assert "kWh" not in text and "saves" not in text
