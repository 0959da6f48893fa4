"""The estate's tables: organisations, systems, their components, dependencies and security
assessments, and the import batches that every stored value can be traced back to.

Integrity lives in the database, not only here: natural keys are UNIQUE constraints, references
are FOREIGN KEYs, enumerations and score ranges are CHECK constraints; the longest text of each
column is in `estate.limits`, which the lengths here come from. Anything that bypasses
these classes (a script, another tool, a future PostgreSQL deployment) is held to the same rules.
A foreign key that a unique key starts with has no index of its own: the unique key's serves.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from estate import limits
from estate.enums import (
    Classification,
    ComponentKind,
    Criticality,
    DependencyKind,
    Disposition,
    Hosting,
    LifecycleStatus,
    OrgKind,
    Outcome,
    Principle,
    SignIn,
)

LIKELIHOOD_CRITERIA = ("l1", "l2", "l3", "l4", "l5", "l6", "l7")
IMPACT_CRITERIA = ("c1", "c2", "c3", "c4", "c5", "c6")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def enum_type(enum_cls: type[StrEnum]) -> sa.Enum:
    """A portable column type storing an enum's canonical value, checked by the database."""
    return sa.Enum(
        enum_cls,
        values_callable=lambda members: [member.value for member in members],
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=max(len(member.value) for member in enum_cls),
        name=f"ck_{_snake(enum_cls.__name__)}",
    )


class Coded(sa.types.TypeDecorator[str]):
    """Text from a fixed list stored as its place in the list (a small integer: one byte or
    none in an SQLite row where the text takes up to 21), read back as the text; comparisons
    with a column of this type bind their values as places too. A value not in the list is
    refused: the list only ever grows at its end, so stored places keep their meaning."""

    impl = sa.SmallInteger
    cache_ok = True

    def __init__(self, values: tuple[str, ...]) -> None:
        super().__init__()
        self.values = values
        self._places: dict[str | None, int | None] = {None: None}
        self._places.update((value, place) for place, value in enumerate(values))
        self._texts = {place: value for value, place in self._places.items()}

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> int | None:
        """The stored place of `value`."""
        return self._places[value]

    def process_result_value(self, value: int | None, dialect: sa.Dialect) -> str | None:
        """The text of a stored place."""
        return self._texts[value]

    def bind_processor(self, dialect: sa.Dialect) -> Callable[[str | None], int | None]:
        """`process_bind_param` as one look-up in C: a kept ranking binds 50,000 rows."""
        return self._places.__getitem__

    def result_processor(
        self, dialect: sa.Dialect, coltype: object
    ) -> Callable[[int | None], str | None]:
        """`process_result_value` as one look-up in C: a kept ranking reads 50,000 rows."""
        return self._texts.__getitem__


BANDS = ("Low", "Medium", "High", "Red-rated")
"""`estate.scoring.results.Band`'s values, in the order the kept ranking stores them."""
READINESS = ("Ready", "Ready with conditions", "Not ready", "Unknown")
"""`estate.scoring.results.Readiness`'s values, in the order the kept ranking stores them."""


def _enum_field(enum_cls: type[StrEnum], *, nullable: bool = True) -> Any:
    return Field(default=None, sa_type=enum_type(enum_cls), nullable=nullable)


def _score_checks(criteria: tuple[str, ...], high: int) -> list[sa.CheckConstraint]:
    return [
        sa.CheckConstraint(f"{name} BETWEEN 1 AND {high}", name=f"ck_system_{name}_range")
        for name in criteria
    ]


RUNNING_CHECKS = (
    sa.CheckConstraint(
        "physical_servers IS NULL OR physical_servers >= 0", name="ck_system_servers"
    ),
    sa.CheckConstraint("virtual_machines IS NULL OR virtual_machines >= 0", name="ck_system_vms"),
    sa.CheckConstraint("vcpus IS NULL OR vcpus >= 0", name="ck_system_vcpus"),
    sa.CheckConstraint("memory_gb IS NULL OR memory_gb >= 0", name="ck_system_memory"),
    sa.CheckConstraint("storage_tb IS NULL OR storage_tb >= 0", name="ck_system_storage"),
    sa.CheckConstraint(
        "cpu_utilisation IS NULL OR cpu_utilisation BETWEEN 0 AND 100",
        name="ck_system_utilisation",
    ),
    sa.CheckConstraint("site_pue IS NULL OR site_pue >= 1", name="ck_system_pue"),
    sa.CheckConstraint("metered_kwh IS NULL OR metered_kwh >= 0", name="ck_system_metered"),
    sa.CheckConstraint(
        "hardware_year IS NULL OR hardware_year BETWEEN 1950 AND 2100", name="ck_system_hw_year"
    ),
)
"""What the running facts of a system (servers, cores, energy) may hold."""

RUNNING_FIELDS = (
    "physical_servers",
    "virtual_machines",
    "vcpus",
    "memory_gb",
    "storage_tb",
    "cpu_utilisation",
    "site",
    "site_pue",
    "metered_kwh",
    "hardware_year",
)
"""The system's columns that schema 6 added: what the energy and carbon estimates read."""


class Organisation(SQLModel, table=True):
    """A department or arm's-length body; ALBs name their parent department."""

    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, min_length=1, max_length=limits.CODE)
    name: str
    kind: OrgKind = Field(default=OrgKind.DEPARTMENT, sa_type=enum_type(OrgKind))
    parent_id: int | None = Field(default=None, foreign_key="organisation.id", ondelete="RESTRICT")


class ImportBatch(SQLModel, table=True):
    """One file imported for one organisation: what it was, when, and what it did.

    `column_map` records, per kind of record, the sheet read and the column each field came from
    (`{"systems": {"sheet": "Systems", "columns": {"name": "C", ...}}, ...}`), so a stored
    value's provenance is its record's (batch, row) plus this map.
    """

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="RESTRICT", index=True)
    file_name: str
    file_sha256: str = Field(min_length=64, max_length=64)
    imported_at: dt.datetime
    rows_new: int = 0
    rows_changed: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    rows_missing: int = 0
    period: str = Field(default="", max_length=7, index=True)
    """The reporting period the return is for (`2026-Q3`): every row it wrote is valid from
    the end of that period until a later period's return replaces it."""
    column_map: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    systems_written: list[str] | None = Field(default=None, sa_type=sa.JSON(none_as_null=True))
    """The references of the organisation's systems the batch changed in any way, sorted: new,
    changed, marked missing or deleted, their components, dependencies or assessments
    replaced, or a dependency of theirs resolved. What bringing the kept ranking up to date
    after an import reads first (`estate.ranking.update.written_since`). None counts every
    system of its organisation as changed: a batch that wrote every system its return lists
    (a department's first), renamed its department, or was imported before version 9."""


class System(SQLModel, table=True):
    """An IT system as its department describes it, keyed by (organisation, reference)."""

    __tablename__ = "system"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "reference", name="uq_system_org_reference"),
        *_score_checks(LIKELIHOOD_CRITERIA, 6),
        *_score_checks(IMPACT_CRITERIA, 5),
        sa.CheckConstraint("users IS NULL OR users >= 0", name="ck_system_users"),
        sa.CheckConstraint(
            "annual_run_cost IS NULL OR annual_run_cost >= 0", name="ck_system_annual_run_cost"
        ),
        sa.CheckConstraint("skilled_staff IS NULL OR skilled_staff >= 0", name="ck_system_staff"),
        sa.CheckConstraint(
            "incidents_12m IS NULL OR incidents_12m >= 0", name="ck_system_incidents"
        ),
        sa.CheckConstraint(
            "open_critical_vulns IS NULL OR open_critical_vulns >= 0", name="ck_system_vulns"
        ),
        sa.CheckConstraint(
            "hardware_age_years IS NULL OR hardware_age_years >= 0", name="ck_system_hw_age"
        ),
        *RUNNING_CHECKS,
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="RESTRICT")
    reference: str = Field(min_length=1, max_length=limits.REFERENCE)
    name: str
    description: str | None = None
    business_owner: str | None = None
    technical_owner: str | None = None
    criticality: Criticality | None = _enum_field(Criticality)
    services_supported: str | None = None
    users: int | None = None
    hosting: Hosting | None = _enum_field(Hosting)
    cloud_provider: str | None = None
    classification: Classification | None = _enum_field(Classification)
    personal_data: bool | None = None
    internet_facing: bool | None = None
    lifecycle_status: LifecycleStatus | None = _enum_field(LifecycleStatus)
    supplier: str | None = None
    contract_end: dt.date | None = None
    annual_run_cost: float | None = None
    sign_in: SignIn | None = _enum_field(SignIn)
    skilled_staff: int | None = None
    incidents_12m: int | None = None
    open_critical_vulns: int | None = None
    last_pen_test: dt.date | None = None
    hardware_age_years: float | None = None
    physical_servers: int | None = None
    """Physical servers the system runs on (its own, not a shared platform's)."""
    virtual_machines: int | None = None
    vcpus: int | None = None
    """Cores or vCPUs (hardware threads) across its servers or machines."""
    memory_gb: float | None = None
    storage_tb: float | None = None
    cpu_utilisation: float | None = None
    """Average CPU utilisation, per cent (0-100)."""
    site: str | None = None
    """The data centre or cloud region it runs in (`Crown Hosting Corsham`, `eu-west-2`)."""
    site_pue: float | None = None
    metered_kwh: float | None = None
    """Metered electricity, kWh a year, of its IT equipment (the site's overhead aside)."""
    hardware_year: int | None = None
    """The year its hardware was bought."""
    remediation_plan: str | None = None
    plan_funded: bool | None = None
    planned_disposition: Disposition | None = _enum_field(Disposition)
    target_date: dt.date | None = None
    assessed_by: str | None = None
    assessed_on: dt.date | None = None
    l1: int | None = None
    l2: int | None = None
    l3: int | None = None
    l4: int | None = None
    l5: int | None = None
    l6: int | None = None
    l7: int | None = None
    c1: int | None = None
    c2: int | None = None
    c3: int | None = None
    c4: int | None = None
    c5: int | None = None
    c6: int | None = None
    notes: str | None = None
    business_capability: str | None = None
    """What the system does for the business, in the return's own words; one on the commodity
    list (`estate.advice.capabilities`) is evidence that a bought service could replace it."""
    saas_alternative: str | None = None
    """A SaaS product the department names as able to replace the system."""
    missing_from_latest_return: bool = False
    source_batch_id: int | None = Field(
        default=None, foreign_key="import_batch.id", ondelete="RESTRICT", index=True
    )
    source_row: int | None = None


class SystemSource(SQLModel, table=True):
    """Each time an import wrote a system: which batch and which row of its systems sheet.

    A field's provenance is the newest of these whose batch's file had that field's column;
    fields a later return left out keep pointing at the return that did supply them.
    """

    __tablename__ = "system_source"

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="system.id", ondelete="CASCADE", index=True)
    batch_id: int = Field(foreign_key="import_batch.id", ondelete="RESTRICT")
    row: int


class Component(SQLModel, table=True):
    """A technology a system is built on: an OS, database, runtime, package or hardware."""

    __tablename__ = "component"
    __table_args__ = (
        sa.UniqueConstraint(
            "system_id", "kind", "product", "version", name="uq_component_system_product"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="system.id", ondelete="CASCADE")
    kind: ComponentKind = Field(sa_type=enum_type(ComponentKind))
    product: str = Field(min_length=1)
    version: str = ""
    vendor: str | None = None
    end_of_support: dt.date | None = None
    source_batch_id: int | None = Field(
        default=None, foreign_key="import_batch.id", ondelete="RESTRICT"
    )
    source_row: int | None = None


class Dependency(SQLModel, table=True):
    """System `from_system` depends on the system named by (`to_org_code`, `to_reference`).

    The target is kept by its natural key so a dependency on a system another department has not
    yet returned is stored, reported as unresolved, and resolves when that return arrives. The
    depending end likewise: a relationship export naming a system its department has not
    returned yet keeps that end as written (`from_org_code`, `from_reference`), with no
    `from_system_id` until a return supplies the system.
    """

    __tablename__ = "dependency"
    __table_args__ = (
        sa.UniqueConstraint(
            "from_system_id", "to_org_code", "to_reference", "kind", name="uq_dependency_edge"
        ),
        sa.Index("ix_dependency_target_key", "to_org_code", "to_reference"),
        sa.CheckConstraint(
            "from_system_id IS NOT NULL OR from_reference IS NOT NULL", name="ck_dependency_from"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    from_system_id: int | None = Field(default=None, foreign_key="system.id", ondelete="CASCADE")
    to_org_code: str = Field(min_length=1)
    to_reference: str = Field(min_length=1)
    to_system_id: int | None = Field(
        default=None, foreign_key="system.id", ondelete="SET NULL", index=True
    )
    kind: DependencyKind = Field(sa_type=enum_type(DependencyKind))
    criticality: Criticality | None = _enum_field(Criticality)
    description: str | None = None
    source_batch_id: int | None = Field(
        default=None, foreign_key="import_batch.id", ondelete="RESTRICT"
    )
    source_row: int | None = None
    from_org_code: str | None = None
    """The depending end's department while that end is not in the estate yet."""
    from_reference: str | None = None
    """The depending end as written while it is not in the estate yet."""


class SecurityAssessment(SQLModel, table=True):
    """A system's outcome against one CAF or Secure by Design principle."""

    __tablename__ = "security_assessment"
    __table_args__ = (
        sa.UniqueConstraint("system_id", "principle", name="uq_assessment_system_principle"),
    )

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="system.id", ondelete="CASCADE")
    principle: Principle = Field(sa_type=enum_type(Principle))
    outcome: Outcome = Field(sa_type=enum_type(Outcome))
    assessed_on: dt.date | None = None
    notes: str | None = None
    source_batch_id: int | None = Field(
        default=None, foreign_key="import_batch.id", ondelete="RESTRICT"
    )
    source_row: int | None = None


class LifecycleCycle(SQLModel, table=True):
    """A product release's support dates imported from lifecycle data (endoflife.date shape).

    Imported cycles replace the built-in catalogue's releases of the same product.
    """

    __tablename__ = "lifecycle_cycle"
    __table_args__ = (sa.UniqueConstraint("product", "cycle", name="uq_lifecycle_product_cycle"),)

    id: int | None = Field(default=None, primary_key=True)
    product: str = Field(min_length=1, index=True)
    product_title: str
    cycle: str = Field(min_length=1)
    release: dt.date | None = None
    support_end: dt.date | None = None
    security_end: dt.date | None = None
    extended_end: dt.date | None = None
    security_ended: bool = False
    """True when the source says security support has ended but gives no date."""
    source: str
    imported_at: dt.datetime


class RankingSnapshot(SQLModel, table=True):
    """The last ranking worked out, and what it was worked out from: one row.

    A cache, not a record: it lets a reopened estate show its ranking at once while it is
    rescored, and is replaced by every full scoring. `fingerprint` says which data, policy,
    as-of date and estate version it belongs to."""

    __tablename__ = "ranking_snapshot"

    id: int = Field(default=1, primary_key=True)
    fingerprint: str
    scored_at: dt.datetime
    figures: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    """The overview's figures (`estate.ranking.figures.EstateFigures.to_json`)."""
    basis: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    """What the ranking was worked out from, in parts (`estate.ranking.snapshot.Basis`): the rules
    (estate, catalogue, policy and lifecycle data), the stored data and the as-of date, so
    that a change of one part is brought into the kept ranking without scoring it all again;
    None in a ranking kept before version 6."""
    dictionary: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    """The Zstandard dictionary the rows' texts are compressed with (`estate.ranking.packing`),
    trained on the estate's own texts when it was scored whole; None when they are compressed
    without one (a small estate)."""
    tally: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    """The running totals of what only the kept systems' facts give the overview
    (`estate.ranking.tally.Tally`), so that an update counts the figures again without reading
    every system; None in a ranking kept before version 7."""
    fragments: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    """The items of explanations that many of its systems share (criteria, security gaps,
    reasons), each kept once, compressed (`estate.ranking.fragments`): each system's
    explanation keeps their numbers in their place. None when there are none (a small estate,
    or a ranking kept before version 8)."""


class RankingSnapshotRow(SQLModel, table=True):
    """One system's line of the snapshot ranking, as the ranked table shows it."""

    __tablename__ = "ranking_snapshot_row"

    rank: int = Field(index=True)
    """Its place in the ranking: not the row's key, so that a system that moves keeps its row
    where it is stored, and only its place changes (its texts are not written again)."""
    key: str = Field(primary_key=True)
    department: str
    priority: float
    legacy: float | None = None
    band: str | None = Field(default=None, sa_type=Coded(BANDS))
    """Its legacy risk band (stored by its place in `BANDS` since version 8)."""
    readiness: str = Field(sa_type=Coded(READINESS))
    """Its cloud readiness (stored by its place in `READINESS` since version 8)."""
    gaps: int
    is_legacy: bool | None = None
    cloud_score: int | None = None
    disposition: str | None = Field(
        default=None, sa_type=Coded(tuple(d.value for d in Disposition))
    )
    """The suggested disposition (a `Disposition` value, stored by its place since version
    8)."""
    high_gaps: int = 0
    dependents: int = 0
    run_cost: float | None = None
    """The annual run cost as the return gave it."""
    internet_facing: bool | None = None
    """Whether the system faces the internet: who signs in to its own sign-in."""
    security_weight: int = 0
    """Its security gaps' summed severity, for ordering by security."""
    explanation: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    """The words of its line that no query chooses, sorts or counts by (its name, criticality,
    hosting, business owner, headline, disposition reason, top reason and sign-in:
    `estate.ranking.packing.WORDS`) and everything concluded about the system as `rank
    --json` gives it (compact JSON after its rank; None in a ranking kept without it, then
    `rank --json` scores afresh), compressed together (`estate.ranking.packing`): the
    explanation holds the words, so kept with it they cost a few bytes, and `rank --csv` lays
    out its lines from the row. Version 7 keeps them so; before it, the words had columns of
    their own and each `rank --csv` line was kept. Since version 8 the explanation keeps the
    numbers of the ranking's shared fragments in their place, and the system's kept facts
    (what bringing the ranking up to date reads of it: once a column of their own) are
    compressed with them (`estate.ranking.packing.Texts`)."""
    basis: int | None = Field(default=None, sa_type=sa.BigInteger)
    """A digest of everything the system's scores were worked out from that no date moves:
    its stored row, components, assessments, dependents and what it depends on (the first 64
    bits, as a signed integer, since version 8; hexadecimal text before)."""
    valid_from: int | None = None
    """The first as-of date on which its scores are as kept, as a day number
    (`datetime.date.toordinal`; a date before version 8)."""
    valid_until: int | None = None
    """The first as-of date after `valid_from` on which a support, contract or penetration
    test date may change its scores, as a day number; None when no date ever does. Not
    indexed since version 8: a new date reads the few rows it moves by scanning these two
    small columns, which costs less than the index takes to keep."""


SNAPSHOT_ROW_COLUMNS_IN_VERSION_3 = (
    "is_legacy",
    "cloud_score",
    "disposition",
    "disposition_reason",
    "high_gaps",
    "dependents",
    "top_reason",
    "run_cost",
)
"""The ranking snapshot's columns that version 3 added, so that a board's outputs (contracts,
portfolio, `rank --csv`) are served from the kept ranking."""

SNAPSHOT_ROW_COLUMNS_IN_VERSION_6 = ("basis", "valid_from", "valid_until", "kept")
"""The ranking snapshot's columns that version 6 added, so that the kept ranking is brought up
to date for a new date or an import by scoring only the systems they change."""

SNAPSHOT_ROW_COLUMNS_IN_VERSION_4 = ("sign_in", "internet_facing", "security_weight", "explanation")
"""The ranking snapshot's columns that version 4 added, so that `rank --json`, every order of
`rank --csv` and the sign-in lists are served from the kept ranking."""


def system_key(department: str, reference: str) -> str:
    """A system's key wherever estate names one: DEPT/REFERENCE."""
    return f"{department}/{reference}"


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table behind a table model, for bulk statements."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, sa.Table)
    return table


SYSTEM_FIELDS: tuple[str, ...] = tuple(
    name
    for name in System.model_fields
    if name
    not in {
        "id",
        "organisation_id",
        "reference",
        "missing_from_latest_return",
        "source_batch_id",
        "source_row",
    }
)
"""The fields a department supplies for a system (its key aside), in template order."""
