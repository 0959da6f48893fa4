"""The estate's enumerations, and the one place where the spellings people type map onto them.

Each enum's *value* is its canonical display spelling (what the template's drop-downs offer and
what reports print). `SPELLINGS` lists the other ways departments write the same thing;
`CRITICALITY_SCALES`, `METAL_SCALE` and `HOSTING_PROVIDERS` are the documented tables for the
scales and provider names departments use. `read_enum` (and `parse_enum`, without its note) is
the only function that turns free text into a member.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TypeVar


class OrgKind(StrEnum):
    """Whether an organisation is a ministerial department or one of its arm's-length bodies."""

    DEPARTMENT = "Department"
    ARMS_LENGTH_BODY = "Arm's-length body"


class Criticality(StrEnum):
    """How much the business depends on a system (or on a dependency)."""

    CRITICAL = "Critical"
    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"


class Hosting(StrEnum):
    """Where a system runs."""

    ON_PREMISES = "On-premises data centre"
    COLOCATION = "Co-location"
    PRIVATE_CLOUD = "Private cloud"
    PUBLIC_IAAS = "Public cloud IaaS"
    PUBLIC_PAAS = "Public cloud PaaS"
    SAAS = "SaaS"


class Classification(StrEnum):
    """Government Security Classification of the most sensitive data a system holds."""

    OFFICIAL = "OFFICIAL"
    OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"
    SECRET = "SECRET"
    TOP_SECRET = "TOP SECRET"


class LifecycleStatus(StrEnum):
    """Where a system is in its life."""

    PLANNED = "Planned"
    IN_DEVELOPMENT = "In development"
    LIVE = "Live"
    SUNSETTING = "Being decommissioned"
    RETIRED = "Retired"
    CANCELLED = "Cancelled"


class SignIn(StrEnum):
    """How users sign in to a system."""

    ONE_LOGIN = "GOV.UK One Login"
    OWN_ACCOUNTS = "Own accounts"
    DIRECTORY = "Directory"
    NONE = "None"


class Disposition(StrEnum):
    """The migration dispositions (AWS "7 Rs")."""

    RETIRE = "Retire"
    RETAIN = "Retain"
    REHOST = "Rehost"
    RELOCATE = "Relocate"
    REPLATFORM = "Replatform"
    REPURCHASE = "Repurchase"
    REFACTOR = "Refactor"


class ComponentKind(StrEnum):
    """The kind of technology a component is."""

    OS = "Operating system"
    DATABASE = "Database"
    RUNTIME = "Language/runtime"
    MIDDLEWARE = "Middleware"
    APPLICATION = "Application package"
    HARDWARE = "Hardware"


class DependencyKind(StrEnum):
    """How one system depends on another."""

    API = "API"
    FILE_TRANSFER = "File transfer"
    SHARED_DATABASE = "Shared database"
    BATCH = "Batch"
    IDENTITY = "Identity"


class Outcome(StrEnum):
    """A CAF or Secure by Design assessment outcome."""

    ACHIEVED = "Achieved"
    PARTIALLY_ACHIEVED = "Partially achieved"
    NOT_ACHIEVED = "Not achieved"
    NOT_ASSESSED = "Not assessed"


class Framework(StrEnum):
    """The security frameworks a system is assessed against."""

    CAF = "CAF"
    SECURE_BY_DESIGN = "Secure by Design"


class Principle(StrEnum):
    """NCSC CAF principles A1-D2 and the ten Secure by Design principles."""

    A1 = "A1"
    A2 = "A2"
    A3 = "A3"
    A4 = "A4"
    B1 = "B1"
    B2 = "B2"
    B3 = "B3"
    B4 = "B4"
    B5 = "B5"
    B6 = "B6"
    C1 = "C1"
    C2 = "C2"
    D1 = "D1"
    D2 = "D2"
    SBD1 = "SbD1"
    SBD2 = "SbD2"
    SBD3 = "SbD3"
    SBD4 = "SbD4"
    SBD5 = "SbD5"
    SBD6 = "SbD6"
    SBD7 = "SbD7"
    SBD8 = "SbD8"
    SBD9 = "SbD9"
    SBD10 = "SbD10"

    @property
    def framework(self) -> Framework:
        """The framework this principle belongs to."""
        return Framework.SECURE_BY_DESIGN if self.value.startswith("SbD") else Framework.CAF

    @property
    def label(self) -> str:
        """The principle's published name."""
        return PRINCIPLE_TITLES[self]


PRINCIPLE_TITLES: dict[Principle, str] = {
    Principle.A1: "Governance",
    Principle.A2: "Risk management",
    Principle.A3: "Asset management",
    Principle.A4: "Supply chain",
    Principle.B1: "Service protection policies and processes",
    Principle.B2: "Identity and access control",
    Principle.B3: "Data security",
    Principle.B4: "System security",
    Principle.B5: "Resilient networks and systems",
    Principle.B6: "Staff awareness and training",
    Principle.C1: "Security monitoring",
    Principle.C2: "Proactive security event discovery",
    Principle.D1: "Response and recovery planning",
    Principle.D2: "Lessons learned",
    Principle.SBD1: "Create responsibility for cyber security risk",
    Principle.SBD2: "Source secure technology products",
    Principle.SBD3: "Adopt a risk-driven approach",
    Principle.SBD4: "Design usable security controls",
    Principle.SBD5: "Build in detect and respond security",
    Principle.SBD6: "Design flexible architectures",
    Principle.SBD7: "Minimise the attack surface",
    Principle.SBD8: "Defend in depth",
    Principle.SBD9: "Embed continuous assurance",
    Principle.SBD10: "Make changes securely",
}


def _sbd_spellings() -> dict[str, StrEnum]:
    spellings: dict[str, StrEnum] = {}
    for number in range(1, 11):
        member = Principle(f"SbD{number}")
        for form in (f"sbd {number}", f"secure by design {number}", f"sbd{number}"):
            spellings[form] = member
        spellings[PRINCIPLE_TITLES[member]] = member
    for member in list(Principle)[:14]:
        spellings[f"caf {member.value}"] = member
        spellings[PRINCIPLE_TITLES[member]] = member
    for member in Principle:  # code and title, as the template's drop-down writes them
        spellings[f"{member.value} {PRINCIPLE_TITLES[member]}"] = member
    return spellings


# Other spellings seen in departmental returns, keyed by enum. Keys are normalised by `normalise`
# before use, so case, spacing and punctuation do not matter here.
SPELLINGS: dict[type[StrEnum], dict[str, StrEnum]] = {
    OrgKind: {
        "dept": OrgKind.DEPARTMENT,
        "ministerial department": OrgKind.DEPARTMENT,
        "alb": OrgKind.ARMS_LENGTH_BODY,
        "arms length body": OrgKind.ARMS_LENGTH_BODY,
        "agency": OrgKind.ARMS_LENGTH_BODY,
        "executive agency": OrgKind.ARMS_LENGTH_BODY,
        "ndpb": OrgKind.ARMS_LENGTH_BODY,
    },
    Criticality: {
        "very high": Criticality.CRITICAL,
        "mission critical": Criticality.CRITICAL,
        "business critical": Criticality.CRITICAL,
        "most critical": Criticality.CRITICAL,
        "highly critical": Criticality.CRITICAL,
        "vh": Criticality.CRITICAL,
        "h": Criticality.HIGH,
        "med": Criticality.MEDIUM,
        "m": Criticality.MEDIUM,
        "moderate": Criticality.MEDIUM,
        "l": Criticality.LOW,
        "least critical": Criticality.LOW,
        "not critical": Criticality.LOW,
        "non critical": Criticality.LOW,
    },
    Hosting: {
        "on prem": Hosting.ON_PREMISES,
        "on premises": Hosting.ON_PREMISES,
        "on premise": Hosting.ON_PREMISES,
        "onprem": Hosting.ON_PREMISES,
        "data centre": Hosting.ON_PREMISES,
        "data center": Hosting.ON_PREMISES,
        "in house data centre": Hosting.ON_PREMISES,
        "mainframe": Hosting.ON_PREMISES,
        "colo": Hosting.COLOCATION,
        "colocation": Hosting.COLOCATION,
        "private": Hosting.PRIVATE_CLOUD,
        "iaas": Hosting.PUBLIC_IAAS,
        "public cloud": Hosting.PUBLIC_IAAS,
        "public cloud iaas": Hosting.PUBLIC_IAAS,
        "cloud iaas": Hosting.PUBLIC_IAAS,
        "paas": Hosting.PUBLIC_PAAS,
        "cloud paas": Hosting.PUBLIC_PAAS,
        "software as a service": Hosting.SAAS,
        "cloud saas": Hosting.SAAS,
    },
    Classification: {
        "o": Classification.OFFICIAL,
        "official sensitive": Classification.OFFICIAL_SENSITIVE,
        "os": Classification.OFFICIAL_SENSITIVE,
        "o s": Classification.OFFICIAL_SENSITIVE,
        "sensitive": Classification.OFFICIAL_SENSITIVE,
        "s": Classification.SECRET,
        "ts": Classification.TOP_SECRET,
        "topsecret": Classification.TOP_SECRET,
    },
    LifecycleStatus: {
        "in service": LifecycleStatus.LIVE,
        "production": LifecycleStatus.LIVE,
        "operational": LifecycleStatus.LIVE,
        "in use": LifecycleStatus.LIVE,
        "development": LifecycleStatus.IN_DEVELOPMENT,
        "build": LifecycleStatus.IN_DEVELOPMENT,
        "beta": LifecycleStatus.IN_DEVELOPMENT,
        "decommissioning": LifecycleStatus.SUNSETTING,
        "sunset": LifecycleStatus.SUNSETTING,
        "sunsetting": LifecycleStatus.SUNSETTING,
        "end of life": LifecycleStatus.SUNSETTING,
        "decommissioned": LifecycleStatus.RETIRED,
        "switched off": LifecycleStatus.RETIRED,
        "pipeline": LifecycleStatus.PLANNED,
        "proposed": LifecycleStatus.PLANNED,
    },
    SignIn: {
        "one login": SignIn.ONE_LOGIN,
        "gov uk one login": SignIn.ONE_LOGIN,
        "govuk one login": SignIn.ONE_LOGIN,
        "own": SignIn.OWN_ACCOUNTS,
        "own accounts": SignIn.OWN_ACCOUNTS,
        "local accounts": SignIn.OWN_ACCOUNTS,
        "bespoke": SignIn.OWN_ACCOUNTS,
        "username and password": SignIn.OWN_ACCOUNTS,
        "active directory": SignIn.DIRECTORY,
        "ad": SignIn.DIRECTORY,
        "azure ad": SignIn.DIRECTORY,
        "entra id": SignIn.DIRECTORY,
        "ldap": SignIn.DIRECTORY,
        "sso": SignIn.DIRECTORY,
        "no sign in": SignIn.NONE,
        "no login": SignIn.NONE,
        "anonymous": SignIn.NONE,
    },
    Disposition: {
        "decommission": Disposition.RETIRE,
        "lift and shift": Disposition.REHOST,
        "rebuild": Disposition.REFACTOR,
        "rearchitect": Disposition.REFACTOR,
        "re architect": Disposition.REFACTOR,
        "replace": Disposition.REPURCHASE,
        "buy": Disposition.REPURCHASE,
        "keep": Disposition.RETAIN,
        "tolerate": Disposition.RETAIN,
    },
    ComponentKind: {
        "os": ComponentKind.OS,
        "operating system": ComponentKind.OS,
        "db": ComponentKind.DATABASE,
        "dbms": ComponentKind.DATABASE,
        "language": ComponentKind.RUNTIME,
        "runtime": ComponentKind.RUNTIME,
        "framework": ComponentKind.RUNTIME,
        "app server": ComponentKind.MIDDLEWARE,
        "application server": ComponentKind.MIDDLEWARE,
        "web server": ComponentKind.MIDDLEWARE,
        "package": ComponentKind.APPLICATION,
        "cots": ComponentKind.APPLICATION,
        "application": ComponentKind.APPLICATION,
        "software": ComponentKind.APPLICATION,
        "hw": ComponentKind.HARDWARE,
        "server": ComponentKind.HARDWARE,
        "mainframe": ComponentKind.HARDWARE,
    },
    DependencyKind: {
        "rest": DependencyKind.API,
        "soap": DependencyKind.API,
        "web service": DependencyKind.API,
        "interface": DependencyKind.API,
        "sftp": DependencyKind.FILE_TRANSFER,
        "ftp": DependencyKind.FILE_TRANSFER,
        "file": DependencyKind.FILE_TRANSFER,
        "database link": DependencyKind.SHARED_DATABASE,
        "shared db": DependencyKind.SHARED_DATABASE,
        "db link": DependencyKind.SHARED_DATABASE,
        "batch job": DependencyKind.BATCH,
        "overnight batch": DependencyKind.BATCH,
        "sso": DependencyKind.IDENTITY,
        "authentication": DependencyKind.IDENTITY,
    },
    Outcome: {
        "a": Outcome.ACHIEVED,
        "met": Outcome.ACHIEVED,
        "yes": Outcome.ACHIEVED,
        "pa": Outcome.PARTIALLY_ACHIEVED,
        "partial": Outcome.PARTIALLY_ACHIEVED,
        "partially": Outcome.PARTIALLY_ACHIEVED,
        "partly met": Outcome.PARTIALLY_ACHIEVED,
        "not met": Outcome.NOT_ACHIEVED,
        "no": Outcome.NOT_ACHIEVED,
        "not yet assessed": Outcome.NOT_ASSESSED,
        "unassessed": Outcome.NOT_ASSESSED,
    },
    Principle: _sbd_spellings(),
}

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Fold case, punctuation and spacing so that "On-Prem." and "on prem" compare equal."""
    return _NON_ALNUM.sub(" ", text.lower()).strip()


CRITICALITY_SCALES: dict[str, dict[str, Criticality]] = {
    "numbers, 1 the most critical (`1`, `1 - most critical`)": {
        "0": Criticality.CRITICAL,
        "1": Criticality.CRITICAL,
        "2": Criticality.HIGH,
        "3": Criticality.MEDIUM,
        "4": Criticality.LOW,
        "5": Criticality.LOW,
    },
    "tiers (`Tier 1`; `Tier 0` where a department uses it)": {
        "tier 0": Criticality.CRITICAL,
        "tier 1": Criticality.CRITICAL,
        "tier 2": Criticality.HIGH,
        "tier 3": Criticality.MEDIUM,
        "tier 4": Criticality.LOW,
        "tier 5": Criticality.LOW,
    },
    "priorities (`P1`, `Priority 1`)": {
        "p1": Criticality.CRITICAL,
        "p2": Criticality.HIGH,
        "p3": Criticality.MEDIUM,
        "p4": Criticality.LOW,
        "p5": Criticality.LOW,
        "priority 1": Criticality.CRITICAL,
        "priority 2": Criticality.HIGH,
        "priority 3": Criticality.MEDIUM,
        "priority 4": Criticality.LOW,
        "priority 5": Criticality.LOW,
    },
}
"""Criticality scales departments use, read without a warning: each names its top level the most
critical. A number or tier followed by words (`1 - most critical`, `3 - Medium`) is read by its
words when they are a criticality, and by its number otherwise."""

METAL_SCALE: dict[str, Criticality] = {
    "platinum": Criticality.CRITICAL,
    "gold": Criticality.CRITICAL,
    "silver": Criticality.HIGH,
    "bronze": Criticality.MEDIUM,
}
"""The Gold / Silver / Bronze service tiers. The scale has fewer levels than ours, so each
reading is a judgement (erring towards the more critical) and says so in a warning."""

HOSTING_PROVIDERS: dict[str, tuple[Hosting, str | None]] = {
    "aws": (Hosting.PUBLIC_IAAS, "AWS"),
    "amazon web services": (Hosting.PUBLIC_IAAS, "AWS"),
    "amazon": (Hosting.PUBLIC_IAAS, "AWS"),
    "ec2": (Hosting.PUBLIC_IAAS, "AWS"),
    "azure": (Hosting.PUBLIC_IAAS, "Microsoft Azure"),
    "microsoft azure": (Hosting.PUBLIC_IAAS, "Microsoft Azure"),
    "ms azure": (Hosting.PUBLIC_IAAS, "Microsoft Azure"),
    "gcp": (Hosting.PUBLIC_IAAS, "Google Cloud"),
    "google cloud": (Hosting.PUBLIC_IAAS, "Google Cloud"),
    "google cloud platform": (Hosting.PUBLIC_IAAS, "Google Cloud"),
    "oracle cloud": (Hosting.PUBLIC_IAAS, "Oracle Cloud"),
    "oracle cloud infrastructure": (Hosting.PUBLIC_IAAS, "Oracle Cloud"),
    "oci": (Hosting.PUBLIC_IAAS, "Oracle Cloud"),
    "ibm cloud": (Hosting.PUBLIC_IAAS, "IBM Cloud"),
    "ukcloud": (Hosting.PUBLIC_IAAS, "UKCloud"),
    "uk cloud": (Hosting.PUBLIC_IAAS, "UKCloud"),
    "gov uk paas": (Hosting.PUBLIC_PAAS, "GOV.UK PaaS"),
    "govuk paas": (Hosting.PUBLIC_PAAS, "GOV.UK PaaS"),
    "heroku": (Hosting.PUBLIC_PAAS, "Heroku"),
    "salesforce": (Hosting.SAAS, "Salesforce"),
    "servicenow": (Hosting.SAAS, "ServiceNow"),
    "microsoft 365": (Hosting.SAAS, "Microsoft 365"),
    "office 365": (Hosting.SAAS, "Microsoft 365"),
    "m365": (Hosting.SAAS, "Microsoft 365"),
    "crown hosting": (Hosting.COLOCATION, None),
    "crown hosting data centres": (Hosting.COLOCATION, None),
    "chdc": (Hosting.COLOCATION, None),
}
"""Provider names written where the hosting model belongs, and the hosting each is taken as
(with a warning saying so). A provider name followed or preceded by a hosting model
(`Azure PaaS`, `Public cloud (AWS)`) takes that model. The provider, where there is one, is the
cloud provider the system is stored with when the return gives none."""


class UnknownSpelling(ValueError):
    """Raised when text is not any spelling of an enum; carries the closest members."""

    def __init__(self, enum_cls: type[StrEnum], text: str, suggestions: list[str]) -> None:
        self.enum_cls = enum_cls
        self.text = text
        self.suggestions = suggestions
        self.allowed = [member.value for member in enum_cls]
        hint = f"; did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        allowed = ", ".join(self.allowed)
        super().__init__(f"{text!r} is not a {enum_cls.__name__}: expected one of {allowed}{hint}")


def _lookup_table(enum_cls: type[StrEnum]) -> dict[str, StrEnum]:
    table = _TABLES.get(enum_cls)
    if table is None:
        table = {normalise(member.value): member for member in enum_cls}
        table.update({normalise(member.name): member for member in enum_cls})
        table.update({normalise(k): v for k, v in SPELLINGS.get(enum_cls, {}).items()})
        if enum_cls is Criticality:
            for scale in CRITICALITY_SCALES.values():
                table.update(scale)
        _TABLES[enum_cls] = table
    return table


_TABLES: dict[type[StrEnum], dict[str, StrEnum]] = {}
SUGGEST_CUTOFF = 75
"""Edit-distance similarity (0-100) at which a spelling is offered as "did you mean"."""

_NUMBERED = re.compile(r"^((?:tier |priority |p)?\d) (.+)$")


def _read_criticality(key: str) -> tuple[StrEnum, str | None] | None:
    table = _lookup_table(Criticality)
    metal = METAL_SCALE.get(key)
    if metal is not None:
        return metal, f"read on the Gold / Silver / Bronze scale as {metal.value}"
    numbered = _NUMBERED.match(key)
    if numbered is not None:
        member = table.get(numbered[2]) or table.get(numbered[1])
        if member is not None:
            return member, None
    return None


def hosting_provider(text: str) -> tuple[Hosting, str | None] | None:
    """(hosting, provider) for a provider's name written as the hosting (`AWS`, `Azure PaaS`,
    `Public cloud (GCP)`), or None when the text names no provider."""
    key = normalise(text)
    found = HOSTING_PROVIDERS.get(key)
    if found is not None:
        return found
    models = _lookup_table(Hosting)
    for name, (hosting, provider) in HOSTING_PROVIDERS.items():
        if key.startswith(name + " "):
            rest = key[len(name) + 1 :]
        elif key.endswith(" " + name):
            rest = key[: -len(name) - 1]
        else:
            continue
        model = models.get(rest)
        return (Hosting(model) if model is not None else hosting), provider
    return None


def _read_hosting(key: str) -> tuple[StrEnum, str | None] | None:
    found = hosting_provider(key)
    if found is None:
        return None
    hosting, provider = found
    said = f" (cloud provider {provider})" if provider else ""
    return hosting, f"a provider, not a hosting model: taken as {hosting.value}{said}"


_READINGS = {Criticality: _read_criticality, Hosting: _read_hosting}
"""Readings of a spelling that is not in the tables: scales and provider names."""


E = TypeVar("E", bound=StrEnum)


def read_enum(enum_cls: type[E], text: str) -> tuple[E, str | None]:
    """(member, note) for the member of `enum_cls` that `text` spells, or raise `UnknownSpelling`.

    Exact canonical values, member names, the documented `SPELLINGS` and the criticality scales
    are accepted in any case and punctuation, with no note. Provider names as hosting and the
    Gold / Silver / Bronze scale are read too, with a note saying what they were taken as. Near
    misses are *not* accepted silently: the closest spellings are offered as suggestions in the
    error, so that a person confirms them.
    """
    table = _lookup_table(enum_cls)
    key = normalise(text)
    member = table.get(key)
    if member is not None:
        return member, None  # type: ignore[return-value]
    reading = _READINGS.get(enum_cls)
    found = reading(key) if reading is not None and key else None
    if found is not None:
        return found  # type: ignore[return-value]
    raise UnknownSpelling(enum_cls, text, _suggestions(enum_cls, table, key))


def parse_enum(enum_cls: type[E], text: str) -> E:
    """Return the member of `enum_cls` that `text` spells, or raise `UnknownSpelling`
    (`read_enum` without its note)."""
    return read_enum(enum_cls, text)[0]


def _suggestions(enum_cls: type[StrEnum], table: dict[str, StrEnum], key: str) -> list[str]:
    """The accepted spellings most like `key`: up to three close ones, or else the one closest,
    so that every rejected value gets a "did you mean". (The fuzzy matcher is imported here,
    for a rejected value only: every command reads enumerations.)"""
    from rapidfuzz import fuzz, process

    pool = {spelling: member.value for spelling, member in table.items()}
    if enum_cls is Hosting:
        pool.update({k: p or h.value for k, (h, p) in HOSTING_PROVIDERS.items()})
    choices = list(pool)
    matches = process.extract(key, choices, scorer=fuzz.ratio, limit=3, score_cutoff=SUGGEST_CUTOFF)
    if not matches:
        best = process.extractOne(key, choices, scorer=fuzz.WRatio)
        matches = [best] if best is not None else []
    suggestions: list[str] = []
    for found, _score, _index in matches:
        if pool[found] not in suggestions:
            suggestions.append(pool[found])
    return suggestions
