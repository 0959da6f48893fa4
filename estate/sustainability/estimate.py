"""A system's energy and carbon a year, with how each figure was worked out.

Operational energy is, in order of preference: metered (the return's kWh a year); else
modelled from its servers, vCPUs and utilisation with Cloud Carbon Footprint's power model;
else a hosting default (one server of an assumed size). Times the site's PUE (given, or the
published average for its kind of site). Carbon from the UK government's conversion factors
for the period's year (location based), or for a cloud region outside the UK its published grid
factor. Hardware the department owns adds embodied carbon, spread over its expected life while
within it; hardware past that life is counted as waste. Every figure names the defaults it
used, so a department can improve it by supplying the real value; a system nothing is known
about is not estimated, and is counted apart, never as zero.

Pure functions of a system's facts: no database, cheap enough for every system of an estate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from estate.sustainability.facts import (
    RunningFacts,
    SiteKind,
    provider_of,
    site_kind,
)
from estate.sustainability.reference import Power, Reference


class Basis(StrEnum):
    """How a system's energy was worked out, best first."""

    METERED = "metered"
    SERVERS = "servers and utilisation"
    HOSTING = "hosting default"
    NONE = "not estimated"


@dataclass(frozen=True)
class Sizing:
    """The compute a modelled estimate rests on, for working out a move's effect."""

    vcpus: float
    utilisation: float
    power: Power
    memory_gb: float
    storage_tb: float
    named: str = ""
    """Which coefficients the power is from, in words."""


@dataclass(frozen=True)
class Estimate:
    """One system's energy and carbon a year and their working."""

    basis: Basis
    it_kwh: float | None
    """The IT equipment's energy a year, kWh."""
    pue: float | None
    kwh: float | None
    """The site's energy for it a year (IT x PUE), kWh."""
    factor: float | None
    """kg CO2e per kWh."""
    kg_co2e: float | None
    """Operational carbon a year, kg CO2e (location based)."""
    embodied_kg_a_year: float | None
    """Embodied carbon of owned hardware within its life, spread over that life."""
    servers_past_life: int
    """Owned servers older than their expected life: the waste figure."""
    past_life_embodied_kg: float
    """Embodied carbon of the hardware kept past its refresh age."""
    kind: SiteKind | None
    steps: tuple[str, ...]
    """How each figure was worked out, in order."""
    defaults: tuple[str, ...]
    """Each value assumed because the return did not give it."""
    sizing: Sizing | None = None

    @property
    def known(self) -> bool:
        """Whether there is an operational estimate at all."""
        return self.kg_co2e is not None


def _kwh(value: float) -> str:
    return f"{value:,.0f} kWh"


def _kg(value: float) -> str:
    return f"{value:,.1f} kg CO2e"


class _Working:
    def __init__(self) -> None:
        self.steps: list[str] = []
        self.defaults: list[str] = []

    def step(self, text: str) -> None:
        self.steps.append(text)

    def default(self, text: str) -> None:
        self.defaults.append(text)


def _power(
    facts: RunningFacts, kind: SiteKind | None, provider: str | None, ref: Reference, year: int
) -> tuple[Power, str]:
    """Per-vCPU coefficients: the provider's in the cloud, else the hardware's generation."""
    if kind is SiteKind.CLOUD:
        chosen = provider or ref.target_provider
        return ref.provider_power[chosen], f"{chosen} (Cloud Carbon Footprint)"
    bought = facts.hardware_year
    if bought is None and facts.hardware_age_years is not None:
        bought = year - math.floor(facts.hardware_age_years)
    if bought is None:
        return ref.provider_power[ref.target_provider], "average server (Cloud Carbon Footprint)"
    generation = ref.generation(bought)
    return generation, f"{generation.name}, hardware of {bought} (Cloud Carbon Footprint)"


def _vcpus(facts: RunningFacts, ref: Reference, work: _Working) -> float | None:
    if facts.vcpus:
        return float(facts.vcpus)
    if facts.physical_servers:
        per = ref.vcpus_per_physical_server
        work.default(f"vCPUs: {per.reason}")
        return float(facts.physical_servers * per.value)
    if facts.virtual_machines:
        per = ref.vcpus_per_virtual_machine
        work.default(f"vCPUs: {per.reason}")
        return float(facts.virtual_machines * per.value)
    return None


def _pue(
    facts: RunningFacts, kind: SiteKind | None, provider: str | None, ref: Reference, work: _Working
) -> float:
    if facts.site_pue is not None:
        work.step(f"PUE {facts.site_pue:g}, the site's own")
        return facts.site_pue
    if kind is SiteKind.CLOUD:
        chosen = provider or ref.target_provider
        if provider is None:
            work.default(f"cloud provider: not given, taken as {chosen}")
        pue = ref.provider_pue[chosen]
        work.default(f"PUE: {chosen}'s published {pue:g}")
        return pue
    if kind in (SiteKind.COLOCATION, SiteKind.CROWN_HOSTING):
        work.default(f"PUE: co-location average {ref.pue_colocation:g} (Equinix 2023)")
        return ref.pue_colocation
    if kind is None:
        work.default("hosting: not given, taken as an enterprise data centre")
    work.default(f"PUE: enterprise data centre average {ref.pue_enterprise:g} (Uptime 2024)")
    return ref.pue_enterprise


def _factor(
    facts: RunningFacts,
    kind: SiteKind | None,
    provider: str | None,
    ref: Reference,
    year: int,
    work: _Working,
) -> float:
    grid = ref.grid_for(year)
    said = f"DESNZ {grid.year} UK electricity {grid.generation:g} + T&D {grid.transmission:g}"
    if grid.year != year:
        said += f" (the latest set for {year})"
    if kind is not SiteKind.CLOUD:
        work.step(f"{grid.total:.5f} kg CO2e/kWh: {said}")
        return grid.total
    chosen = provider or ref.target_provider
    region = (facts.site or "").strip().lower()
    if not region:
        work.default("cloud region: not given, taken as a UK region")
        work.step(f"{grid.total:.5f} kg CO2e/kWh: {said}")
        return grid.total
    if region in ref.uk_regions.get(chosen, frozenset()):
        work.step(f"{grid.total:.5f} kg CO2e/kWh: UK region {region}, {said}")
        return grid.total
    factors = ref.region_factors.get(chosen, {})
    if region in factors:
        work.step(f"{factors[region]:g} kg CO2e/kWh: {chosen} {region}'s grid (published)")
        return factors[region]
    average = factors["unknown"]
    work.default(f"grid factor: {region} not listed, {chosen}'s average {average:g}")
    return average


def _embodied(
    facts: RunningFacts,
    kind: SiteKind | None,
    basis: Basis,
    ref: Reference,
    year: int,
    work: _Working,
) -> tuple[float | None, int, float]:
    """(embodied kg a year within life, servers past life, their embodied kg)."""
    if kind in (SiteKind.CLOUD, SiteKind.SAAS):
        return 0.0, 0, 0.0
    servers = facts.physical_servers
    if servers is None:
        if basis is Basis.NONE:
            return None, 0, 0.0
        servers = 1
        work.default("physical servers: not given, taken as 1")
    if servers == 0:
        return 0.0, 0, 0.0
    if facts.hardware_year is not None:
        age: float | None = year - facts.hardware_year
    else:
        age = facts.hardware_age_years
    memory_each = (facts.memory_gb or 0.0) / servers
    extra = max(0.0, memory_each - ref.base_memory_gb) * ref.memory_embodied_kg_per_gb
    each = ref.server_embodied_kg + extra
    if age is None:
        work.step(
            f"embodied carbon not known: the hardware's age is not given ({_kg(each)} a server)"
        )
        return None, 0, 0.0
    if age >= ref.lifespan_years:
        work.step(
            f"{servers} server(s) {age:g} years old, past the {ref.lifespan_years:g}-year "
            f"life: {_kg(servers * each)} of embodied carbon kept past refresh, and waste "
            "when retired"
        )
        return 0.0, servers, servers * each
    yearly = servers * each / ref.lifespan_years
    work.step(
        f"embodied {_kg(yearly)} a year: {servers} server(s) x {_kg(each)} over "
        f"{ref.lifespan_years:g} years"
    )
    return yearly, 0, 0.0


def _sizing(
    facts: RunningFacts,
    kind: SiteKind | None,
    provider: str | None,
    vcpus: float | None,
    ref: Reference,
    year: int,
    work: _Working,
) -> Sizing:
    """The compute the power model runs on, each value not given named as a default."""
    if vcpus is None:
        vcpus = float(ref.vcpus_per_system.value)
        work.default(f"size: {ref.vcpus_per_system.reason}")
    power, named = _power(facts, kind, provider, ref, year)
    no_year = facts.hardware_year is None and facts.hardware_age_years is None
    if kind is not SiteKind.CLOUD and no_year:
        work.default("hardware year: not given, an average server's coefficients")
    utilisation = facts.cpu_utilisation
    if utilisation is None:
        utilisation = ref.default_utilisation
        work.default(f"CPU utilisation: {utilisation:g}% (Cloud Carbon Footprint's average)")
    return Sizing(vcpus, utilisation, power, facts.memory_gb or 0.0, facts.storage_tb or 0.0, named)


def model_it_kwh(sizing: Sizing, ref: Reference) -> float:
    """IT energy a year of `sizing` by the power model: vCPUs at their utilisation, memory,
    storage, every hour of the year."""
    watts = (
        sizing.power.watts(sizing.vcpus, sizing.utilisation)
        + sizing.memory_gb * ref.memory_watts_per_gb
        + sizing.storage_tb * ref.storage_watts_per_tb
    )
    return watts * ref.hours_per_year / 1000


def estimate(facts: RunningFacts, ref: Reference, year: int) -> Estimate:
    """One system's energy and carbon a year, as at `year` (which sets the conversion factors
    and the hardware's age), with its working and the defaults it used."""
    work = _Working()
    kind = site_kind(facts)
    if facts.retired:
        work.step("retired: no energy")
        return Estimate(
            Basis.NONE, 0.0, None, 0.0, None, 0.0, 0.0, 0, 0.0, kind, tuple(work.steps), ()
        )
    provider = provider_of(facts) if kind is SiteKind.CLOUD else None
    metered = facts.metered_kwh is not None
    vcpus = _vcpus(facts, ref, _Working() if metered else work)  # a meter needs no size
    sizing: Sizing | None = None
    if facts.metered_kwh is not None:
        basis = Basis.METERED
        it_kwh: float = facts.metered_kwh
        work.step(f"{_kwh(facts.metered_kwh)} a year metered at the IT equipment")
        sizing = _sizing(facts, kind, provider, vcpus, ref, year, _Working())
    elif kind is SiteKind.SAAS:
        work.step("runs in its supplier's service (SaaS): its energy is the supplier's")
        return Estimate(
            Basis.NONE, None, None, None, None, None, 0.0, 0, 0.0, kind, tuple(work.steps), ()
        )
    elif vcpus is not None or kind is not None:
        basis = Basis.SERVERS if vcpus is not None else Basis.HOSTING
        sizing = _sizing(facts, kind, provider, vcpus, ref, year, work)
        it_kwh = model_it_kwh(sizing, ref)
        power = sizing.power
        work.step(
            f"{_kwh(it_kwh)} a year: {sizing.vcpus:g} vCPUs x ({power.min_watts:g} + "
            f"{sizing.utilisation:g}% x ({power.max_watts:g} - {power.min_watts:g})) W"
            + (
                f" + {sizing.memory_gb:g} GB x {ref.memory_watts_per_gb:g} W"
                if sizing.memory_gb
                else ""
            )
            + (
                f" + {sizing.storage_tb:g} TB x {ref.storage_watts_per_tb:g} W"
                if sizing.storage_tb
                else ""
            )
            + f", x {ref.hours_per_year:g} h; {sizing.named}"
        )
    else:
        work.step("nothing known of how or where it runs: not estimated")
        return Estimate(
            Basis.NONE, None, None, None, None, None, None, 0, 0.0, kind, tuple(work.steps), ()
        )
    pue = _pue(facts, kind, provider, ref, work)
    kwh = it_kwh * pue
    work.step(f"{_kwh(kwh)} a year at the site: {_kwh(it_kwh)} x PUE {pue:g}")
    factor = _factor(facts, kind, provider, ref, year, work)
    kg = kwh * factor
    work.step(f"{_kg(kg)} a year: {_kwh(kwh)} x {factor:.5f}")
    yearly, past, past_kg = _embodied(facts, kind, basis, ref, year, work)
    return Estimate(
        basis,
        it_kwh,
        pue,
        kwh,
        factor,
        kg,
        yearly,
        past,
        past_kg,
        kind,
        tuple(work.steps),
        tuple(work.defaults),
        sizing,
    )
