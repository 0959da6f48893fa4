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
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, cached_property

from estate.sustainability.facts import (
    RunningFacts,
    SiteKind,
    provider_of,
    site_kind,
)
from estate.sustainability.reference import GridFactor, Power, Reference


class Basis(StrEnum):
    """How a system's energy was worked out, best first."""

    METERED = "metered"
    SERVERS = "servers and utilisation"
    HOSTING = "hosting default"
    NONE = "not estimated"


@dataclass
class Sizing:
    """The compute a modelled estimate rests on, for working out a move's effect."""

    vcpus: float
    utilisation: float
    power: Power
    memory_gb: float
    storage_tb: float
    provider: str | None = None
    """The cloud provider whose coefficients these are."""
    bought: int | None = None
    """The purchase year whose hardware generation these are."""

    @property
    def named(self) -> str:
        """Which coefficients the power is from, in words."""
        if self.provider is not None:
            return f"{self.provider} (Cloud Carbon Footprint)"
        if self.bought is not None:
            return f"{self.power.name}, hardware of {self.bought} (Cloud Carbon Footprint)"
        return "average server (Cloud Carbon Footprint)"


@dataclass(eq=False)
class Estimate:
    """One system's energy and carbon a year and their working. Treated as read-only but not
    frozen (nor `Sizing`): an estate makes one per system, and a frozen dataclass's
    `__init__` (each field set through `object.__setattr__`) cost a third of the estimate."""

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
    defaults_used: int
    """How many values were assumed because the return did not give them."""
    sizing: Sizing | None = None
    source: tuple[RunningFacts, Reference, int] | None = field(
        default=None, repr=False, compare=False
    )
    """What it was worked out from, to word its working when asked."""

    @property
    def known(self) -> bool:
        """Whether there is an operational estimate at all."""
        return self.kg_co2e is not None

    @cached_property
    def _working(self) -> _Working:
        work = _Working(True)
        if self.source is not None:
            _estimate(*self.source, work)
        return work

    @cached_property
    def _defaults(self) -> tuple[str, ...]:
        if "_working" in self.__dict__:  # worded already, steps and all
            return tuple(self._working.defaults)
        work = _Working(False, defaults=True)
        if self.source is not None:
            _estimate(*self.source, work)
        return tuple(work.defaults)

    @property
    def steps(self) -> tuple[str, ...]:
        """How each figure was worked out, in order."""
        return tuple(self._working.steps)

    @property
    def defaults(self) -> tuple[str, ...]:
        """Each value assumed because the return did not give it (worded without the steps
        when only they are asked for, as the CSV asks for every system's)."""
        return self._defaults


def percent(value: float) -> str:
    """A utilisation in words, to a tenth of a per cent at most (`46.7%`, `50%`): a sizing
    worked out for a move is rarely a round figure."""
    return f"{round(value, 1):g}%"


def _kwh(value: float) -> str:
    return f"{value:,.0f} kWh"


def _kg(value: float) -> str:
    return f"{value:,.1f} kg CO2e"


class _Working:
    """Where an estimate's working goes: each step and default is given as a function that
    words it, called only when the working is asked for (`explain`; the defaults alone with
    `defaults`), so that estimating a whole estate costs arithmetic alone; defaults are
    counted either way."""

    __slots__ = ("count", "defaults", "explain", "explain_defaults", "steps")

    def __init__(self, explain: bool, *, defaults: bool = False) -> None:
        self.explain = explain
        self.explain_defaults = explain or defaults
        self.steps: list[str] = []
        self.defaults: list[str] = []
        self.count = 0

    def step(self, text: Callable[[], str]) -> None:
        if self.explain:
            self.steps.append(text())

    def default(self, text: Callable[[], str]) -> None:
        self.count += 1
        if self.explain_defaults:
            self.defaults.append(text())


def _power(
    facts: RunningFacts, kind: SiteKind | None, provider: str | None, ref: Reference, year: int
) -> tuple[Power, str | None, int | None]:
    """Per-vCPU coefficients: the provider's in the cloud, else the hardware's generation;
    with the provider or the purchase year they were chosen by."""
    if kind is SiteKind.CLOUD:
        chosen = provider or ref.target_provider
        return ref.provider_power[chosen], chosen, None
    bought = facts.hardware_year
    if bought is None and facts.hardware_age_years is not None:
        bought = year - math.floor(facts.hardware_age_years)
    if bought is None:
        return ref.provider_power[ref.target_provider], None, None
    return ref.generation(bought), None, bought


def _vcpus(facts: RunningFacts, ref: Reference, work: _Working) -> float | None:
    if facts.vcpus:
        return float(facts.vcpus)
    if facts.physical_servers:
        per = ref.vcpus_per_physical_server
        work.default(lambda: f"vCPUs: {per.reason}")
        return float(facts.physical_servers * per.value)
    if facts.virtual_machines:
        per = ref.vcpus_per_virtual_machine
        work.default(lambda: f"vCPUs: {per.reason}")
        return float(facts.virtual_machines * per.value)
    return None


def _pue(
    facts: RunningFacts, kind: SiteKind | None, provider: str | None, ref: Reference, work: _Working
) -> float:
    if facts.site_pue is not None:
        work.step(lambda: f"PUE {facts.site_pue:g}, the site's own")
        return facts.site_pue
    if kind is SiteKind.CLOUD:
        chosen = provider or ref.target_provider
        if provider is None:
            work.default(lambda: f"cloud provider: not given, taken as {chosen}")
        pue = ref.provider_pue[chosen]
        work.default(lambda: f"PUE: {chosen}'s published {pue:g}")
        return pue
    if kind in (SiteKind.COLOCATION, SiteKind.CROWN_HOSTING):
        work.default(lambda: f"PUE: co-location average {ref.pue_colocation:g} (Equinix 2023)")
        return ref.pue_colocation
    if kind is None:
        work.default(lambda: "hosting: not given, taken as an enterprise data centre")
    work.default(
        lambda: f"PUE: enterprise data centre average {ref.pue_enterprise:g} (Uptime 2024)"
    )
    return ref.pue_enterprise


@cache
def _grid_words(grid: GridFactor, year: int) -> str:
    """The UK factors used for `year`, in words: the same for every system of a year."""
    text = f"DESNZ {grid.year} UK electricity {grid.generation:g} + T&D {grid.transmission:g}"
    return text if grid.year == year else f"{text} (the latest set for {year})"


def _factor(
    facts: RunningFacts,
    kind: SiteKind | None,
    provider: str | None,
    ref: Reference,
    year: int,
    work: _Working,
) -> float:
    grid = ref.grid_for(year)

    def said() -> str:
        return _grid_words(grid, year)

    if kind is not SiteKind.CLOUD:
        work.step(lambda: f"{grid.total:.5f} kg CO2e/kWh: {said()}")
        return grid.total
    chosen = provider or ref.target_provider
    region = (facts.site or "").strip().lower()
    if not region:
        work.default(lambda: "cloud region: not given, taken as a UK region")
        work.step(lambda: f"{grid.total:.5f} kg CO2e/kWh: {said()}")
        return grid.total
    if region in ref.uk_regions.get(chosen, frozenset()):
        work.step(lambda: f"{grid.total:.5f} kg CO2e/kWh: UK region {region}, {said()}")
        return grid.total
    factors = ref.region_factors.get(chosen, {})
    if region in factors:
        work.step(lambda: f"{factors[region]:g} kg CO2e/kWh: {chosen} {region}'s grid (published)")
        return factors[region]
    average = factors["unknown"]
    work.default(lambda: f"grid factor: {region} not listed, {chosen}'s average {average:g}")
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
        work.default(lambda: "physical servers: not given, taken as 1")
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
            lambda: (
                f"embodied carbon not known: the hardware's age is not given ({_kg(each)} a server)"
            )
        )
        return None, 0, 0.0
    if age >= ref.lifespan_years:
        work.step(
            lambda: (
                f"{servers} server(s) {age:g} years old, past the {ref.lifespan_years:g}-year "
                f"life: {_kg(servers * each)} of embodied carbon kept past refresh, and waste "
                "when retired"
            )
        )
        return 0.0, servers, servers * each
    yearly = servers * each / ref.lifespan_years
    work.step(
        lambda: (
            f"embodied {_kg(yearly)} a year: {servers} server(s) x {_kg(each)} over "
            f"{ref.lifespan_years:g} years"
        )
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
        work.default(lambda: f"size: {ref.vcpus_per_system.reason}")
    power, chosen, bought = _power(facts, kind, provider, ref, year)
    no_year = facts.hardware_year is None and facts.hardware_age_years is None
    if kind is not SiteKind.CLOUD and no_year:
        work.default(lambda: "hardware year: not given, an average server's coefficients")
    utilisation = facts.cpu_utilisation
    if utilisation is None:
        utilisation = ref.default_utilisation
        work.default(
            lambda: f"CPU utilisation: {utilisation:g}% (Cloud Carbon Footprint's average)"
        )
    return Sizing(
        vcpus, utilisation, power, facts.memory_gb or 0.0, facts.storage_tb or 0.0, chosen, bought
    )


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
    and the hardware's age), with its working and the defaults it used (worded when first
    asked for: the figures alone are cheap)."""
    return _estimate(facts, ref, year, _Working(False))


def _estimate(facts: RunningFacts, ref: Reference, year: int, work: _Working) -> Estimate:
    source = (facts, ref, year)
    kind = site_kind(facts)
    if facts.gone:
        work.step(_gone_words)
        return Estimate(Basis.NONE, 0.0, None, 0.0, None, 0.0, 0.0, 0, 0.0, kind, 0, None, source)
    provider = provider_of(facts) if kind is SiteKind.CLOUD else None
    metered = facts.metered_kwh is not None
    vcpus = _vcpus(facts, ref, _Working(False) if metered else work)  # a meter needs no size
    sizing: Sizing | None = None
    if facts.metered_kwh is not None:
        basis = Basis.METERED
        it_kwh: float = facts.metered_kwh
        if work.explain:
            work.steps.append(f"{_kwh(it_kwh)} a year metered at the IT equipment")
        sizing = _sizing(facts, kind, provider, vcpus, ref, year, _Working(False))
    elif kind is SiteKind.SAAS:
        work.step(_saas_words)
        return Estimate(
            Basis.NONE, None, None, None, None, None, 0.0, 0, 0.0, kind, 0, None, source
        )
    elif vcpus is not None or kind is not None:
        basis = Basis.SERVERS if vcpus is not None else Basis.HOSTING
        sizing = _sizing(facts, kind, provider, vcpus, ref, year, work)
        it_kwh = model_it_kwh(sizing, ref)
        if work.explain:
            work.steps.append(_model_words(it_kwh, sizing, ref))
    else:
        work.step(_unknown_words)
        return Estimate(
            Basis.NONE, None, None, None, None, None, None, 0, 0.0, kind, 0, None, source
        )
    pue = _pue(facts, kind, provider, ref, work)
    kwh = it_kwh * pue
    if work.explain:
        work.steps.append(f"{_kwh(kwh)} a year at the site: {_kwh(it_kwh)} x PUE {pue:g}")
    factor = _factor(facts, kind, provider, ref, year, work)
    kg = kwh * factor
    if work.explain:
        work.steps.append(f"{_kg(kg)} a year: {_kwh(kwh)} x {factor:.5f}")
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
        work.count,
        sizing,
        source,
    )


def _gone_words() -> str:
    return "retired or cancelled: no energy"


def _saas_words() -> str:
    return "runs in its supplier's service (SaaS): its energy is the supplier's"


def _unknown_words() -> str:
    return "nothing known of how or where it runs: not estimated"


def _model_words(it_kwh: float, sizing: Sizing, ref: Reference) -> str:
    """The power model's working in words: vCPUs at their utilisation, memory, storage."""
    power = sizing.power
    memory = (
        f" + {sizing.memory_gb:g} GB x {ref.memory_watts_per_gb:g} W" if sizing.memory_gb else ""
    )
    storage = (
        f" + {sizing.storage_tb:g} TB x {ref.storage_watts_per_tb:g} W" if sizing.storage_tb else ""
    )
    return (
        f"{_kwh(it_kwh)} a year: {sizing.vcpus:g} vCPUs x ({power.min_watts:g} + "
        f"{percent(sizing.utilisation)} x ({power.max_watts:g} - {power.min_watts:g})) W"
        f"{memory}{storage}, x {ref.hours_per_year:g} h; {sizing.named}"
    )
