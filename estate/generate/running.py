"""A synthetic system's running facts (servers, vCPUs, memory, storage, utilisation, site,
PUE, metered energy, hardware year), as departments return them: most columns often left
blank, legacy systems on a few lightly used servers in ageing data centres, cloud systems in UK
regions. Drawn from a generator of their own, so the rest of a synthetic estate is the same
with or without them."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import Any

from estate.enums import Hosting

SITES_ON_PREMISES = (
    "Crown Hosting Corsham",
    "Crown Hosting Farnborough",
    "Newport data centre",
    "Sheffield data centre",
    "Leeds DC2",
    "Norwich computer centre",
)
REGIONS = {
    "AWS": ("eu-west-2", "eu-west-2", "eu-west-2", "eu-west-1"),
    "Microsoft Azure": ("uksouth", "uksouth", "ukwest", "northeurope"),
    "Google Cloud": ("europe-west2", "europe-west2", "europe-west1"),
}


def running_rng(rng: random.Random, reference: str) -> random.Random:
    """A generator for one system's running facts, fixed by the estate's generator's state and
    the system's reference, which leaves the estate's generator where it was."""
    # repr, not hash: a hash of the state (which holds None) differs from run to run.
    state = hashlib.blake2b(repr(rng.getstate()).encode(), digest_size=16).hexdigest()
    return random.Random(f"running:{reference}:{state}")


def running_facts(
    rng: random.Random,
    hosting: Hosting,
    cloud_provider: str | None,
    legacy: bool,
    hardware_age: float | None,
    as_of: dt.date,
) -> dict[str, Any]:
    """One system's running facts; a value a department would not know is left out."""
    if hosting is Hosting.SAAS:
        return {}
    cloud = hosting in (Hosting.PUBLIC_IAAS, Hosting.PUBLIC_PAAS)
    facts: dict[str, Any] = {}
    servers = None if cloud else rng.randint(1, 6 if legacy else 4)
    if servers is not None and rng.random() < 0.6:
        facts["physical_servers"] = servers
    machines = rng.randint(1, 12 if cloud else 8)
    if rng.random() < 0.5:
        facts["virtual_machines"] = machines
    vcpus = machines * rng.choice((2, 4, 8)) if cloud else (servers or 1) * rng.choice((8, 16, 32))
    if rng.random() < 0.55:
        facts["vcpus"] = vcpus
    if rng.random() < 0.45:
        facts["memory_gb"] = vcpus * rng.choice((2, 4, 8))
    if rng.random() < 0.4:
        facts["storage_tb"] = round(rng.lognormvariate(0.5, 1.0), 1)
    if rng.random() < 0.35:
        low, high = (3, 25) if legacy and not cloud else (10, 60)
        facts["cpu_utilisation"] = round(rng.uniform(low, high), 1)
    if cloud and cloud_provider in REGIONS and rng.random() < 0.7:
        facts["site"] = rng.choice(REGIONS[cloud_provider])
    elif not cloud and rng.random() < 0.6:
        facts["site"] = rng.choice(SITES_ON_PREMISES)
    if not cloud and rng.random() < 0.15:
        facts["site_pue"] = round(rng.uniform(1.25, 2.1), 2)
    if not cloud and rng.random() < 0.1:
        facts["metered_kwh"] = round((servers or 1) * rng.uniform(2_500, 6_000), -2)
    if hardware_age is not None and rng.random() < 0.5:
        facts["hardware_year"] = as_of.year - int(hardware_age)
    return facts
