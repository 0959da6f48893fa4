"""The return's layout: its sheets, their columns, each column's type, the aliases departments
use for it, and the guidance the template prints. The template writer, the header mapper and the
row parser all read this one definition."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from estate.advice import capabilities
from estate.enums import (
    Classification,
    ComponentKind,
    Criticality,
    DependencyKind,
    Disposition,
    Hosting,
    LifecycleStatus,
    Outcome,
    Principle,
    SignIn,
)
from importers import running, technology, values
from importers.relationships import CONSUMER_ALIASES, PROVIDER_ALIASES
from importers.values import Parser


class RecordKind(StrEnum):
    """The kinds of record a return holds, one sheet each."""

    SYSTEMS = "systems"
    COMPONENTS = "components"
    DEPENDENCIES = "dependencies"
    SECURITY = "security"


@dataclass(frozen=True)
class Column:
    """One column of a return sheet."""

    field: str
    header: str
    parser: Parser
    guidance: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: type[StrEnum] | None = None
    number_format: str | None = None
    width: int = 18
    parser_for_header: Callable[[str], Parser] | None = None
    """For a column whose header may name its cells' unit ("Memory (In MB)"): the parser for a
    sheet's header text, in place of `parser`."""


@dataclass(frozen=True)
class SheetLayout:
    """A sheet of the return: its name in the template and its columns, in order."""

    kind: RecordKind
    title: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = field(default=())

    def column(self, field_name: str) -> Column:
        """The column for a field."""
        return next(c for c in self.columns if c.field == field_name)


DATE = "dd/mm/yyyy"
MONEY = "£#,##0"
COUNT = "#,##0"


def _enum(
    field_name: str, header: str, enum_cls: type[StrEnum], guidance: str, **kw: object
) -> Column:
    return Column(
        field_name,
        header,
        values.enum_parser(enum_cls),
        guidance,
        choices=enum_cls,
        **kw,  # type: ignore[arg-type]
    )


def _dept(header: str = "Department") -> Column:
    return Column(
        "department",
        header,
        values.parse_key,
        "Code of the department or arm's-length body that owns the system, e.g. HMRC.",
        required=True,
        aliases=("dept", "department code", "organisation", "org", "owning department", "body"),
        width=12,
    )


def _system_ref(header: str = "System reference", also: tuple[str, ...] = ()) -> Column:
    return Column(
        "reference",
        header,
        values.parse_key,
        "The department's own unique reference for the system. It is the key: keep it stable "
        "between returns so updates replace, never duplicate.",
        required=True,
        aliases=(
            "system ref",
            "system id",
            "ref",
            "reference",
            "app id",
            "application id",
            "application ref",
            "asset id",
            "asset reference",
            "system code",
            "id",
            "app ref",
            "app reference",
            "application reference",
            "application number",
            "app number",
            "application no",
            "asset number",
            "asset ref",
            "ci id",
            "ci ref",
            "ci reference",
            "ci number",
            "configuration item id",
            "system number",
            "service id",
            *also,
        ),
        width=14,
    )


def _scores(prefix: str, count: int, high: int, names: tuple[str, ...]) -> tuple[Column, ...]:
    return tuple(
        Column(
            f"{prefix.lower()}{i}",
            f"{prefix}{i} {name}",
            values.score_parser(high),
            f"Self-assessed Legacy IT Risk Assessment Framework {prefix}{i} ({name}), 1-{high}. "
            "Leave blank to let estate derive it from the inventory.",
            aliases=(f"{prefix}{i}", f"{prefix.lower()}{i} score", name),
            width=10,
        )
        for i, name in zip(range(1, count + 1), names, strict=True)
    )


LIKELIHOOD_NAMES = (
    "End of support",
    "Expired contract",
    "Skills",
    "Business needs",
    "Physical environment",
    "Vulnerabilities",
    "Past issues",
)
IMPACT_NAMES = (
    "National security",
    "Reputational",
    "Financial",
    "External stakeholders",
    "Operational",
    "Other systems",
)

RUNNING_COLUMNS = (
    Column(
        "physical_servers",
        "Physical servers",
        values.parse_count,
        "How many physical servers the system runs on, its own (not a shared platform's). "
        "Blank for cloud or SaaS.",
        aliases=("servers", "number of servers", "physical hosts", "hosts", "server count"),
        number_format=COUNT,
    ),
    Column(
        "virtual_machines",
        "Virtual machines",
        values.parse_count,
        "How many virtual machines or cloud instances it runs on.",
        aliases=("vms", "number of vms", "vm count", "instances", "number of instances"),
        number_format=COUNT,
    ),
    Column(
        "vcpus",
        "Cores or vCPUs",
        running.parse_vcpus,
        "Cores or vCPUs (hardware threads) across all its servers or machines; a cloud "
        "instance size (m5.xlarge, Standard_D4s_v3) is read as its vCPUs.",
        aliases=(
            "cores",
            "vcpus",
            "vcpu",
            "cpus",
            "cpu cores",
            "number of cores",
            "processor cores",
            "instance type",
            "instance size",
            "vm size",
        ),
        number_format=COUNT,
    ),
    Column(
        "memory_gb",
        "Memory (GB)",
        running.parse_memory,
        "Memory across its servers or machines, in GB (16384 MB and 1 TB are read too).",
        aliases=("memory", "ram", "ram gb", "memory in mb", "memory mb"),
        parser_for_header=running.memory_parser,
    ),
    Column(
        "storage_tb",
        "Storage (TB)",
        running.parse_storage,
        "Storage allocated to it, in TB (500 GB is read too).",
        aliases=("storage", "disk", "disk size", "allocated storage"),
    ),
    Column(
        "cpu_utilisation",
        "Average CPU utilisation (%)",
        running.parse_percent,
        "Average CPU utilisation over a typical month, per cent (0-100).",
        aliases=(
            "cpu utilisation",
            "cpu utilization",
            "cpu utilization percentage",
            "cpu usage",
            "cpu usage percent",
            "average cpu",
            "utilisation",
            "utilization",
        ),
    ),
    Column(
        "site",
        "Data centre or cloud region",
        values.parse_text,
        "The data centre it runs in (e.g. Crown Hosting Corsham) or the cloud region "
        "(e.g. eu-west-2, uksouth, europe-west2).",
        aliases=("data centre", "data center", "datacentre", "site", "region", "cloud region"),
        width=24,
    ),
    Column(
        "site_pue",
        "Site PUE",
        running.parse_pue,
        "That data centre's power usage effectiveness, if known (e.g. 1.4). Blank: a "
        "published average for its kind of hosting is used.",
        aliases=("pue", "power usage effectiveness", "data centre pue"),
        width=10,
    ),
    Column(
        "metered_kwh",
        "Metered energy (kWh a year)",
        running.parse_energy,
        "Metered electricity of its IT equipment over a year, in kWh (12 MWh is read too). "
        "The best basis for its estimate.",
        aliases=("metered energy", "energy", "kwh", "annual kwh", "energy kwh", "electricity"),
        number_format=COUNT,
    ),
    Column(
        "hardware_year",
        "Hardware purchase year",
        running.parse_year,
        "The year its hardware was bought (e.g. 2014). Blank for cloud or SaaS.",
        aliases=("purchase year", "hardware year", "year purchased", "acquisition year"),
        width=10,
    ),
)
"""What a return may say about the running of a system, for its energy and carbon
estimate (all optional)."""

SYSTEMS = SheetLayout(
    RecordKind.SYSTEMS,
    "Systems",
    (
        _dept(),
        _system_ref(),
        Column(
            "name",
            "System name",
            values.parse_text,
            "The name people know the system by.",
            required=True,
            aliases=(
                "name",
                "system",
                "application",
                "application name",
                "app name",
                "service name",
                "asset name",
                "system title",
                "ci name",
                "configuration item name",
                "business application",
                "business application name",
            ),
            width=32,
        ),
        Column(
            "description",
            "Description",
            values.parse_text,
            "What the system does, in a sentence.",
            aliases=("summary", "purpose"),
            width=40,
        ),
        Column(
            "business_owner",
            "Business owner",
            values.parse_text,
            "The named senior person accountable for the system and its risk.",
            aliases=(
                "system owner",
                "business unit owner",
                "senior responsible owner",
                "sro",
                "risk owner",
                "information asset owner",
                "iao",
                "owner",
                "owned by",
                "application owner",
                "service owner",
            ),
        ),
        Column(
            "technical_owner",
            "Technical owner",
            values.parse_text,
            "The person or team that runs the system.",
            aliases=("tech owner", "technical lead", "support team"),
        ),
        _enum(
            "criticality",
            "Business criticality",
            Criticality,
            "How much the business depends on the system.",
            aliases=("criticality", "business impact", "tier", "importance", "priority"),
        ),
        Column(
            "services_supported",
            "Services supported",
            values.parse_text,
            "The public or internal services that rely on it; separate with semicolons.",
            aliases=("services", "business services", "supports services"),
            width=32,
        ),
        Column(
            "users",
            "Number of users",
            values.parse_count,
            "Roughly how many people use it (staff and public).",
            aliases=("users", "user count", "no of users", "user base"),
            number_format=COUNT,
        ),
        Column(
            "hosting",
            "Hosting",
            technology.parse_hosting,
            "Where the system runs.",
            choices=Hosting,
            aliases=(
                "hosting model",
                "hosted",
                "hosted in",
                "hosted at",
                "hosting location",
                "hosting type",
                "hosting platform",
                "platform",
                "location",
                "deployment",
            ),
        ),
        Column(
            "cloud_provider",
            "Cloud provider",
            values.parse_text,
            "For cloud hosting, the provider (e.g. AWS, Microsoft Azure).",
            aliases=("provider", "csp", "cloud vendor"),
        ),
        _enum(
            "classification",
            "Data classification",
            Classification,
            "Highest Government Security Classification of data it holds.",
            aliases=(
                "classification",
                "security classification",
                "data class",
                "gsc",
                "protective marking",
            ),
        ),
        Column(
            "personal_data",
            "Personal data",
            values.parse_bool,
            "Does it process personal data? Yes or No.",
            aliases=("pii", "holds personal data", "personal information"),
        ),
        Column(
            "internet_facing",
            "Internet-facing",
            values.parse_bool,
            "Can it be reached from the internet? Yes or No.",
            aliases=("internet facing", "public facing", "externally accessible", "external"),
        ),
        _enum(
            "lifecycle_status",
            "Lifecycle status",
            LifecycleStatus,
            "Where the system is in its life.",
            aliases=("status", "lifecycle", "phase"),
        ),
        Column(
            "supplier",
            "Supplier",
            values.parse_text,
            "Main supplier or vendor contracted to run or support it.",
            aliases=("vendor", "contractor", "support supplier"),
        ),
        Column(
            "contract_end",
            "Contract end date",
            values.parse_date,
            "When the current support contract ends.",
            aliases=("contract end", "contract expiry", "contract expires", "support contract end"),
            number_format=DATE,
        ),
        Column(
            "annual_run_cost",
            "Annual run cost (£)",
            values.parse_money,
            "Yearly cost to run and support it, in pounds (e.g. 1.2m or £350,000).",
            aliases=(
                "annual cost",
                "run cost",
                "cost",
                "annual running cost",
                "yearly cost",
                "annual spend",
                "yearly spend",
                "opex",
            ),
            number_format=MONEY,
        ),
        _enum(
            "sign_in",
            "Sign-in method",
            SignIn,
            "How users sign in: GOV.UK One Login, its own accounts, a directory, or none.",
            aliases=("sign in", "authentication", "login method", "identity", "auth"),
        ),
        Column(
            "skilled_staff",
            "Staff with skills",
            values.parse_count,
            "How many staff (or supplier staff) could support it today.",
            aliases=("skilled staff", "support staff", "people with skills", "sme count"),
        ),
        Column(
            "incidents_12m",
            "Incidents (12 months)",
            values.parse_count,
            "Outages, data loss or failed changes in the last 12 months.",
            aliases=("incidents", "incident count", "outages", "p1 p2 incidents"),
        ),
        Column(
            "open_critical_vulns",
            "Open critical vulnerabilities",
            values.parse_count,
            "Known critical vulnerabilities not yet fixed.",
            aliases=("critical vulnerabilities", "open vulnerabilities", "vulns", "cves"),
        ),
        Column(
            "last_pen_test",
            "Last penetration test",
            values.parse_date,
            "Date of the last independent penetration test (IT Health Check).",
            aliases=("pen test", "last pen test", "ithc", "last ithc", "penetration test date"),
            number_format=DATE,
        ),
        Column(
            "hardware_age_years",
            "Hardware age (years)",
            values.parse_decimal,
            "Age in years of the hardware it runs on (blank for cloud or SaaS).",
            aliases=("hardware age", "server age", "age of hardware"),
        ),
        *RUNNING_COLUMNS,
        Column(
            "remediation_plan",
            "Remediation plan",
            values.parse_text,
            "What the department plans to do about it, if anything.",
            aliases=("plan", "remediation", "mitigation", "action plan"),
            width=32,
        ),
        Column(
            "plan_funded",
            "Plan funded",
            values.parse_bool,
            "Is the remediation plan fully funded? Yes or No.",
            aliases=("funded", "funding secured", "funding in place"),
        ),
        _enum(
            "planned_disposition",
            "Planned disposition",
            Disposition,
            "The planned migration route (one of the 7 Rs).",
            aliases=("disposition", "migration route", "migration approach", "7rs", "strategy"),
        ),
        Column(
            "target_date",
            "Target date",
            values.parse_date,
            "When the remediation should be complete.",
            aliases=("target resolution date", "target completion", "due date", "resolution date"),
            number_format=DATE,
        ),
        Column(
            "assessed_by",
            "Assessed by",
            values.parse_text,
            "Who made the self-assessment scores (L1-L7, C1-C6).",
            aliases=("assessor",),
        ),
        Column(
            "assessed_on",
            "Date assessed",
            values.parse_date,
            "When the self-assessment scores were made.",
            aliases=("assessment date", "date of assessment"),
            number_format=DATE,
        ),
        *_scores("L", 7, 6, LIKELIHOOD_NAMES),
        *_scores("C", 6, 5, IMPACT_NAMES),
        Column(
            "notes",
            "Notes",
            values.parse_text,
            "Anything else the reader should know.",
            aliases=("comments", "remarks"),
            width=32,
        ),
        Column(
            "business_capability",
            "Business capability",
            values.parse_text,
            "What the system does for the business, e.g. Payroll or Benefit claims. These are "
            "commodity functions that bought (SaaS) services provide, and only these make estate "
            f"suggest buying a service: {capabilities.guidance()}.",
            aliases=("capability", "business function", "application category"),
            width=24,
        ),
        Column(
            "saas_alternative",
            "SaaS alternative",
            values.parse_text,
            "A software-as-a-service product that could replace the system, if the department "
            "knows of one (e.g. Workday, ServiceNow). Blank when none is known.",
            aliases=("saas option", "saas replacement", "replacement product"),
            width=24,
        ),
    ),
    aliases=(
        "system",
        "inventory",
        "applications",
        "application register",
        "asset register",
        "register",
        "estate",
    ),
)

COMPONENTS = SheetLayout(
    RecordKind.COMPONENTS,
    "Components",
    (
        _dept(),
        _system_ref(),
        _enum(
            "kind",
            "Component type",
            ComponentKind,
            "Operating system, database, language/runtime, middleware, application package or "
            "hardware.",
            required=True,
            aliases=("type", "component kind", "layer", "category"),
        ),
        Column(
            "product",
            "Product",
            values.parse_text,
            "Product name as the supplier writes it, e.g. Windows Server, Oracle Database.",
            required=True,
            aliases=("technology", "component", "software", "product name"),
            width=28,
        ),
        Column(
            "version",
            "Version",
            values.parse_text,
            "Version or release, e.g. 2008 R2, 11g, 6.10.",
            aliases=("release", "ver"),
            width=12,
        ),
        Column(
            "vendor",
            "Vendor",
            values.parse_text,
            "Who makes it.",
            aliases=("manufacturer", "publisher"),
        ),
        Column(
            "end_of_support",
            "End of support",
            values.parse_date,
            "The supplier's end-of-support date, if known; it overrides the built-in catalogue.",
            aliases=("eos", "eol", "end of life", "support end", "end of support date"),
            number_format=DATE,
        ),
    ),
    aliases=("technology", "technologies", "components", "tech stack"),
)

DEPENDENCIES = SheetLayout(
    RecordKind.DEPENDENCIES,
    "Dependencies",
    (
        _dept(),
        _system_ref(also=CONSUMER_ALIASES),
        Column(
            "to_org_code",
            "Depends on department",
            values.parse_key,
            "Department of the system depended on (blank: the same department).",
            aliases=(
                "target department",
                "upstream department",
                "provider department",
                "depends on dept",
            ),
        ),
        Column(
            "to_reference",
            "Depends on system reference",
            values.parse_key,
            "Reference of the system it depends on, as that department's return gives it.",
            required=True,
            aliases=(
                "depends on",
                "target system",
                "upstream system",
                "depends on reference",
                "target reference",
                *PROVIDER_ALIASES,
            ),
            width=20,
        ),
        _enum(
            "kind",
            "Dependency type",
            DependencyKind,
            "API, file transfer, shared database, batch or identity.",
            required=True,
            aliases=("type", "interface type", "integration type", "mechanism"),
        ),
        _enum(
            "criticality",
            "Criticality",
            Criticality,
            "How badly the system suffers if the dependency fails.",
            aliases=("dependency criticality", "importance"),
        ),
        Column(
            "description",
            "Description",
            values.parse_text,
            "What passes between them.",
            aliases=("notes", "data exchanged", "interface", "interface name", "interface id"),
            width=32,
        ),
    ),
    aliases=(
        "interfaces",
        "integrations",
        "dependency",
        "links",
        "relationships",
        "relationship",
        "interface list",
        "data flows",
    ),
)

SECURITY = SheetLayout(
    RecordKind.SECURITY,
    "Security",
    (
        _dept(),
        _system_ref(),
        _enum(
            "principle",
            "Principle",
            Principle,
            "CAF principle A1-D2 or Secure by Design principle SbD1-SbD10.",
            required=True,
            aliases=("caf principle", "control", "sbd principle", "outcome ref"),
        ),
        _enum(
            "outcome",
            "Outcome",
            Outcome,
            "Achieved, Partially achieved, Not achieved or Not assessed.",
            required=True,
            aliases=("status", "rating", "result", "assessment"),
        ),
        Column(
            "assessed_on",
            "Date assessed",
            values.parse_date,
            "When it was assessed.",
            aliases=("assessment date", "date"),
            number_format=DATE,
        ),
        Column(
            "notes",
            "Notes",
            values.parse_text,
            "Evidence or the gap found.",
            aliases=("evidence", "comments"),
            width=40,
        ),
    ),
    aliases=("security assessments", "caf", "secure by design", "assessments", "govassure"),
)

LAYOUTS: tuple[SheetLayout, ...] = (SYSTEMS, COMPONENTS, DEPENDENCIES, SECURITY)
LAYOUT_BY_KIND = {layout.kind: layout for layout in LAYOUTS}
