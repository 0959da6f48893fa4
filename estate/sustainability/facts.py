"""A system's running facts as the estimates read them, from any stored row (a live system, a
scoring row, a row of the past), and where it runs: its kind of site, cloud provider and
region."""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache
from operator import attrgetter
from typing import Any, NamedTuple

from estate.enums import Hosting, hosting_provider
from estate.models import RUNNING_FIELDS
from estate.stages import GONE

PROVIDERS = ("AWS", "Microsoft Azure", "Google Cloud")
"""The cloud providers the reference figures cover, by the names the estate stores."""


class SiteKind(StrEnum):
    """The kind of site a system's electricity is used in, which sets its default PUE."""

    ENTERPRISE = "Enterprise data centre"
    COLOCATION = "Co-location"
    CROWN_HOSTING = "Crown Hosting"
    CLOUD = "Hyperscale cloud region"
    SAAS = "Supplier's service (SaaS)"


class RunningFacts(NamedTuple):
    """What the estimates read about one system (each None when the return did not say)."""

    hosting: Hosting | None
    cloud_provider: str | None
    physical_servers: int | None
    virtual_machines: int | None
    vcpus: int | None
    memory_gb: float | None
    storage_tb: float | None
    cpu_utilisation: float | None
    site: str | None
    site_pue: float | None
    metered_kwh: float | None
    hardware_year: int | None
    hardware_age_years: float | None
    gone: bool = False
    """Retired or cancelled: left the estate's counts, money and carbon."""


_HOSTING = {member.value: member for member in Hosting}
_GONE = frozenset(status.value for status in GONE)


_COLUMNS = (
    "hosting",
    "cloud_provider",
    *RUNNING_FIELDS,
    "hardware_age_years",
    "lifecycle_status",
)
_read_columns = attrgetter(*_COLUMNS)


def facts_of(row: Any) -> RunningFacts:
    """The running facts of a stored system row (any object with the system's columns as
    attributes; a column it lacks is unknown). A row with every column (a scoring row) is
    read in one call: scoring's rows are read so for every system of an estate."""
    try:
        values = _read_columns(row)
    except AttributeError:
        values = tuple(getattr(row, name, None) for name in _COLUMNS)
    hosting, *running, status = values
    if isinstance(hosting, str) and not isinstance(hosting, Hosting):
        hosting = _HOSTING.get(hosting)
    gone = status is not None and str(getattr(status, "value", status)) in _GONE
    return RunningFacts._make((hosting, *running, gone))


_AWS_REGION = re.compile(r"^[a-z]{2}(?:-gov)?-[a-z]+-\d$")
_GCP_REGION = re.compile(r"^[a-z]+-[a-z]+\d+$")
_AZURE_REGION = re.compile(r"^[a-z]+(?:north|south|east|west|central)\d?$")


def provider_of_region(region: str) -> str | None:
    """The provider whose region names look like `region` (`eu-west-2` AWS, `europe-west2`
    Google Cloud, `uksouth` Microsoft Azure), or None."""
    key = region.strip().lower()
    if _AWS_REGION.match(key):
        return "AWS"
    if _GCP_REGION.match(key):
        return "Google Cloud"
    if _AZURE_REGION.match(key):
        return "Microsoft Azure"
    return None


@cache
def _provider_named(text: str) -> str | None:
    found = hosting_provider(text)
    name = found[1] if found is not None else text.strip()
    return name if name in PROVIDERS else None


def provider_of(facts: RunningFacts) -> str | None:
    """The cloud provider, from the stored provider or else the region's name."""
    if facts.cloud_provider:
        name = _provider_named(facts.cloud_provider)
        if name is not None:
            return name
    if facts.site:
        return provider_of_region(facts.site)
    return None


_KIND_OF_HOSTING: dict[Hosting | None, SiteKind | None] = {
    Hosting.SAAS: SiteKind.SAAS,
    Hosting.PUBLIC_IAAS: SiteKind.CLOUD,
    Hosting.PUBLIC_PAAS: SiteKind.CLOUD,
    Hosting.COLOCATION: SiteKind.COLOCATION,
    Hosting.ON_PREMISES: SiteKind.ENTERPRISE,
    Hosting.PRIVATE_CLOUD: SiteKind.ENTERPRISE,
}
"""The kind of site each hosting model runs in (looked up, not tested member by member:
every system of an estate asks)."""


def site_kind(facts: RunningFacts) -> SiteKind | None:
    """Where the electricity is used: the hosting, or, when the return gives none, a site
    that is a cloud region; None when nothing says. A site named as Crown Hosting is Crown
    Hosting whatever the hosting says."""
    site = facts.site
    if site:
        lowered = site.lower()
        if "crown hosting" in lowered or lowered.startswith("chdc"):
            return SiteKind.CROWN_HOSTING
    kind = _KIND_OF_HOSTING.get(facts.hosting)
    if kind is None and site and provider_of_region(site) is not None:
        return SiteKind.CLOUD
    return kind
