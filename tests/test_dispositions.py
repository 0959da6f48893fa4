"""Suggested dispositions come from what the return says, never from words in a system's name,
and every reason names the facts it came from."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from estate.advice.capabilities import COMMODITY_CAPABILITIES, commodity_capability
from estate.enums import (
    Classification,
    ComponentKind,
    Criticality,
    Disposition,
    Hosting,
    LifecycleStatus,
)
from estate.scoring.policy import load_policy
from estate.scoring.readiness import assess_readiness
from importers.layout import SYSTEMS
from importers.template import write_return
from tests.scoring_facts import component, facts

POLICY = load_policy(as_of=dt.date(2026, 9, 30))


def _workforce_exchange(**fields: object) -> object:
    """The generated estate's riskiest system: Solaris, WebLogic and Oracle 11g, with 3,684
    systems depending on it."""
    return facts(
        {
            "name": "Workforce Exchange",
            "hosting": Hosting.ON_PREMISES,
            "criticality": Criticality.CRITICAL,
            "lifecycle_status": LifecycleStatus.LIVE,
            **fields,
        },
        components=[
            component("Solaris 10"),
            component("WebLogic 12.1.3", ComponentKind.MIDDLEWARE),
            component("Oracle Database 11.2", ComponentKind.DATABASE),
        ],
        dependents=3684,
    )


def test_a_name_with_commodity_words_and_no_evidence_is_not_advised_to_repurchase() -> None:
    readiness = assess_readiness(_workforce_exchange(), POLICY, set())  # type: ignore[arg-type]
    assert readiness.disposition is not Disposition.REPURCHASE
    assert readiness.disposition is Disposition.REFACTOR
    assert "Not ready" in readiness.disposition_reason
    assert "Solaris" in readiness.disposition_reason, "the reason names the platform"


@pytest.mark.parametrize(
    "name",
    ["Payroll Gateway", "HR Records Store", "Correspondence Hub", "Finance Ledger", "Email Relay"],
)
def test_no_word_in_a_name_suggests_repurchase(name: str) -> None:
    system = facts(
        name=name,
        hosting=Hosting.ON_PREMISES,
        components=[component("Windows Server 2019"), component("SQL Server 2019")],
    )
    readiness = assess_readiness(system, POLICY, set())
    assert readiness.disposition is Disposition.REHOST, readiness.disposition_reason


def test_a_commodity_business_capability_is_evidence_and_the_reason_names_it() -> None:
    system = facts(
        name="Zephyr",
        hosting=Hosting.ON_PREMISES,
        business_capability="HR",
        components=[component("Windows Server 2019")],
    )
    readiness = assess_readiness(system, POLICY, set())
    assert readiness.disposition is Disposition.REPURCHASE
    assert '"HR"' in readiness.disposition_reason
    assert "Human resources" in readiness.disposition_reason


def test_a_capability_off_the_commodity_list_is_no_evidence() -> None:
    system = facts(
        hosting=Hosting.ON_PREMISES,
        business_capability="Benefit claims",
        components=[component("Windows Server 2019")],
    )
    assert assess_readiness(system, POLICY, set()).disposition is Disposition.REHOST


def test_a_named_saas_alternative_is_evidence() -> None:
    system = facts(
        hosting=Hosting.ON_PREMISES,
        saas_alternative="Workday",
        components=[component("Windows Server 2019")],
    )
    readiness = assess_readiness(system, POLICY, set())
    assert readiness.disposition is Disposition.REPURCHASE
    assert "Workday" in readiness.disposition_reason


def test_a_product_its_vendor_sells_as_a_service_is_evidence() -> None:
    system = facts(
        hosting=Hosting.ON_PREMISES,
        components=[component("Microsoft Exchange Server 2013", ComponentKind.APPLICATION)],
    )
    readiness = assess_readiness(system, POLICY, set())
    assert readiness.disposition is Disposition.REPURCHASE
    assert "Exchange Online" in readiness.disposition_reason


def test_an_unknown_packaged_application_is_no_evidence() -> None:
    system = facts(
        hosting=Hosting.ON_PREMISES,
        components=[
            component("Windows Server 2019"),
            component("Bespoke Claims Engine 4", ComponentKind.APPLICATION),
        ],
    )
    assert assess_readiness(system, POLICY, set()).disposition is not Disposition.REPURCHASE


def test_a_system_many_depend_on_says_how_that_was_weighed() -> None:
    readiness = assess_readiness(
        _workforce_exchange(business_capability="Human resources"),  # type: ignore[arg-type]
        POLICY,
        set(),
    )
    assert readiness.disposition is Disposition.REPURCHASE
    assert "weighed: 3,684 systems depend on it" in readiness.disposition_reason


def test_a_system_wired_to_many_others_says_so_too() -> None:
    system = facts(
        hosting=Hosting.ON_PREMISES,
        saas_alternative="ServiceNow",
        depends_on=[f"DBP/S-{n}" for n in range(12)],
        components=[component("Windows Server 2019")],
    )
    reason = assess_readiness(system, POLICY, set()).disposition_reason
    assert "weighed: it depends on 12 systems" in reason


@pytest.mark.parametrize(
    ("fields", "components", "named"),
    [
        ({"lifecycle_status": LifecycleStatus.SUNSETTING}, [], "Being decommissioned"),
        ({"lifecycle_status": LifecycleStatus.CANCELLED}, [], "Cancelled"),
        ({"users": 0}, [], "0 users"),
        ({"hosting": Hosting.SAAS}, [], "SaaS"),
        ({"hosting": Hosting.PUBLIC_IAAS}, ["Windows Server 2008 R2"], "Windows Server 2008"),
        ({"classification": Classification.SECRET}, [], "SECRET"),
        ({"hosting": Hosting.ON_PREMISES, "criticality": Criticality.HIGH}, ["z/OS 2.3"], "z/OS"),
        ({"hosting": Hosting.ON_PREMISES}, ["Windows Server 2008 R2"], "Windows Server 2008"),
        ({"hosting": Hosting.ON_PREMISES}, ["Windows Server 2022"], "Ready"),
    ],
)
def test_every_reason_names_the_facts_it_came_from(
    fields: dict[str, object], components: list[str], named: str
) -> None:
    system = facts(fields, components=[component(c) for c in components])
    readiness = assess_readiness(system, POLICY, set())
    assert readiness.disposition is not None
    assert named in readiness.disposition_reason


def test_a_system_with_no_users_that_others_depend_on_is_not_advised_to_be_switched_off() -> None:
    unused = facts({"users": 0, "hosting": Hosting.ON_PREMISES})
    readiness = assess_readiness(unused, POLICY, set())
    assert readiness.disposition is Disposition.RETIRE
    assert "0 users and no system depends on it" in readiness.disposition_reason
    back_end = facts(
        {"users": 0, "hosting": Hosting.ON_PREMISES},
        components=[component("Windows Server 2008 R2")],
        dependents=2,
    )
    readiness = assess_readiness(back_end, POLICY, set())
    assert readiness.disposition is Disposition.REPLATFORM
    assert "0 users" not in readiness.disposition_reason


def test_the_commodity_list_matches_what_departments_write() -> None:
    assert commodity_capability("Human Resources") == "Human resources"
    assert commodity_capability("HR") == "Human resources"
    assert commodity_capability("Finance & Accounting") == "Finance and accounting"
    assert commodity_capability("service-desk") == "IT service management"
    assert commodity_capability("Workforce") is None
    assert commodity_capability("") is None
    for name in COMMODITY_CAPABILITIES:
        assert commodity_capability(name.upper()) == name


def test_the_template_offers_the_capability_columns_with_the_list(tmp_path: Path) -> None:
    path = tmp_path / "return.xlsx"
    write_return(path)
    workbook = load_workbook(path)
    headers = [cell.value for cell in workbook[SYSTEMS.title][1]]
    assert SYSTEMS.column("business_capability").header in headers
    assert SYSTEMS.column("saas_alternative").header in headers
    guidance = " ".join(
        str(cell.value) for row in workbook["Guidance"].iter_rows() for cell in row if cell.value
    )
    for name in COMMODITY_CAPABILITIES:
        assert name in guidance
