"""The bundled reference figures the energy and carbon estimates rest on (reference.toml): the
UK government's electricity conversion factors by year, published PUEs, Cloud Carbon
Footprint's server power coefficients, the embodied emissions of a server, cloud regions' grid
factors and the estate's own named assumptions. Read once, checked as it is read."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from estate.errors import EstateError

FILE = "reference.toml"


@dataclass(frozen=True)
class GridFactor:
    """One year's UK electricity factors (DESNZ), kg CO2e per kWh."""

    year: int
    generation: float
    transmission: float
    """Transmission and distribution losses."""

    @property
    def total(self) -> float:
        """Generation and transmission and distribution, as a kWh used costs both."""
        return self.generation + self.transmission


@dataclass(frozen=True)
class Power:
    """Watts per vCPU of a server at no load and at full load (Cloud Carbon Footprint)."""

    name: str
    min_watts: float
    max_watts: float

    def watts(self, vcpus: float, utilisation: float) -> float:
        """Average watts of `vcpus` at `utilisation` per cent: min + u x (max - min)."""
        return vcpus * (self.min_watts + utilisation / 100 * (self.max_watts - self.min_watts))


@dataclass(frozen=True)
class Assumption:
    """A value the estate assumes where a return says nothing, with the words that name it."""

    value: Any
    reason: str


@dataclass(frozen=True)
class Reference:
    """Every reference figure the estimates use."""

    grid: dict[int, GridFactor]
    grid_source: str
    pue_enterprise: float
    pue_colocation: float
    provider_pue: dict[str, float]
    provider_power: dict[str, Power]
    generations: tuple[tuple[int, Power], ...]
    """(first purchase year, coefficients), oldest first."""
    hours_per_year: float
    default_utilisation: float
    memory_watts_per_gb: float
    storage_watts_per_tb: float
    server_embodied_kg: float
    memory_embodied_kg_per_gb: float
    base_memory_gb: float
    lifespan_years: float
    uk_regions: dict[str, frozenset[str]]
    region_factors: dict[str, dict[str, float]]
    """provider -> region (lower case) -> kg CO2e per kWh; `unknown` is the provider's
    average."""
    vcpus_per_system: Assumption
    vcpus_per_physical_server: Assumption
    vcpus_per_virtual_machine: Assumption
    target_provider: str
    target_region: str
    target_reason: str
    resolved: dict[int, GridFactor] = field(default_factory=dict, repr=False, compare=False)
    """The factors each year asked for takes, as found."""

    def grid_for(self, year: int) -> GridFactor:
        """The factors for `year`: its own set, else the latest before it (a set is published
        mid-year), else the earliest bundled."""
        found = self.resolved.get(year)
        if found is None:
            earlier = [y for y in self.grid if y <= year]
            found = self.grid[max(earlier) if earlier else min(self.grid)]
            self.resolved[year] = found  # looked up for every system: found once
        return found

    def generation(self, purchase_year: int) -> Power:
        """The coefficients of the newest microarchitecture generally shipped by
        `purchase_year` (older hardware takes the oldest the coefficients cover)."""
        chosen = self.generations[0][1]
        for first, power in self.generations:
            if purchase_year >= first:
                chosen = power
        return chosen


def text() -> bytes:
    """The bundled reference file as it is shipped."""
    return resources.files(__package__).joinpath(FILE).read_bytes()


def digest() -> str:
    """SHA-256 of the bundled reference file: docs/sustainability.md records it, so a figure
    cannot change without the page that sources it."""
    return hashlib.sha256(text()).hexdigest()


def _power(name: str, table: dict[str, Any]) -> Power:
    return Power(name, float(table["min_watts_per_vcpu"]), float(table["max_watts_per_vcpu"]))


@cache
def load_reference() -> Reference:
    """The bundled reference figures, read and checked once."""
    try:
        data = tomllib.loads(text().decode("utf-8"))
        return _read(data)
    except (KeyError, ValueError, TypeError) as exc:
        raise EstateError(f"The bundled {FILE} is damaged ({exc!r}); reinstall estate.") from exc


def _read(data: dict[str, Any]) -> Reference:
    grid = {
        int(year): GridFactor(
            int(year),
            float(values["generation_kg_per_kwh"]),
            float(values["transmission_kg_per_kwh"]),
        )
        for year, values in data["electricity"]["years"].items()
    }
    pue = data["pue"]
    power = data["power"]
    embodied = data["embodied"]
    regions = data["regions"]
    assumptions = data["assumptions"]
    generations = tuple(
        sorted((int(g["from_year"]), _power(g["name"], g)) for g in power["generations"])
    )
    return Reference(
        grid=grid,
        grid_source=str(data["electricity"]["source"]),
        pue_enterprise=float(pue["enterprise"]["value"]),
        pue_colocation=float(pue["colocation"]["value"]),
        provider_pue={name: float(p["value"]) for name, p in pue["providers"].items()},
        provider_power={name: _power(name, p) for name, p in power["providers"].items()},
        generations=generations,
        hours_per_year=float(power["hours_per_year"]),
        default_utilisation=float(power["default_utilisation_percent"]),
        memory_watts_per_gb=float(power["memory_watts_per_gb"]),
        storage_watts_per_tb=float(power["storage_watts_per_tb"]),
        server_embodied_kg=float(embodied["server_kg"]),
        memory_embodied_kg_per_gb=float(embodied["memory_kg_per_gb"]),
        base_memory_gb=float(embodied["base_memory_gb"]),
        lifespan_years=float(embodied["lifespan_years"]),
        uk_regions={
            name: frozenset(r.lower() for r in found) for name, found in regions["uk"].items()
        },
        region_factors={
            name: {region.lower(): float(v) for region, v in factors.items()}
            for name, factors in regions["factors"].items()
        },
        vcpus_per_system=_assumption(assumptions, "vcpus_per_system"),
        vcpus_per_physical_server=_assumption(assumptions, "vcpus_per_physical_server"),
        vcpus_per_virtual_machine=_assumption(assumptions, "vcpus_per_virtual_machine"),
        target_provider=str(assumptions["target_provider"]),
        target_region=str(assumptions["target_region"]),
        target_reason=str(assumptions["target_reason"]),
    )


def _assumption(table: dict[str, Any], name: str) -> Assumption:
    return Assumption(table[name], str(table[f"{name}_reason"]))
