"""The one spelling map: what departments type, and what it becomes."""

from __future__ import annotations

from enum import StrEnum

import pytest

from estate.enums import (
    Classification,
    Criticality,
    Framework,
    Hosting,
    Outcome,
    Principle,
    SignIn,
    UnknownSpelling,
    parse_enum,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On-premises data centre", Hosting.ON_PREMISES),
        ("on prem", Hosting.ON_PREMISES),
        ("ON-PREM.", Hosting.ON_PREMISES),
        ("  Data Centre ", Hosting.ON_PREMISES),
        ("Crown Hosting", Hosting.COLOCATION),
        ("IaaS", Hosting.PUBLIC_IAAS),
        ("public_paas", Hosting.PUBLIC_PAAS),
        ("Software as a Service", Hosting.SAAS),
        ("official-sensitive", Classification.OFFICIAL_SENSITIVE),
        ("Official Sensitive", Classification.OFFICIAL_SENSITIVE),
        ("OS", Classification.OFFICIAL_SENSITIVE),
        ("top secret", Classification.TOP_SECRET),
        ("Tier 1", Criticality.CRITICAL),
        ("med", Criticality.MEDIUM),
        ("One Login", SignIn.ONE_LOGIN),
        ("GOV.UK One Login", SignIn.ONE_LOGIN),
        ("Active Directory", SignIn.DIRECTORY),
        ("Partially achieved", Outcome.PARTIALLY_ACHIEVED),
        ("PA", Outcome.PARTIALLY_ACHIEVED),
        ("Not met", Outcome.NOT_ACHIEVED),
        ("b2", Principle.B2),
        ("SbD 7", Principle.SBD7),
        ("Secure by Design 10", Principle.SBD10),
        ("Identity and access control", Principle.B2),
    ],
)
def test_spellings_map_to_one_member(text: str, expected: StrEnum) -> None:
    assert parse_enum(type(expected), text) is expected


def test_near_miss_is_refused_with_a_suggestion() -> None:
    with pytest.raises(UnknownSpelling) as caught:
        parse_enum(Criticality, "Critcal")
    assert caught.value.suggestions[0] == "Critical"
    assert "did you mean 'Critical'" in str(caught.value)
    assert caught.value.allowed == ["Critical", "High", "Medium", "Low"]


def test_even_nonsense_is_refused_with_the_closest_spelling() -> None:
    with pytest.raises(UnknownSpelling) as caught:
        parse_enum(Hosting, "on a floppy disk")
    assert len(caught.value.suggestions) == 1
    suggestion = caught.value.suggestions[0]
    assert parse_enum(Hosting, suggestion) in Hosting  # what is offered is accepted


def test_not_applicable_is_not_an_outcome() -> None:
    with pytest.raises(UnknownSpelling):
        parse_enum(Outcome, "N/A")


def test_principles_know_their_framework_and_title() -> None:
    assert Principle.D2.framework is Framework.CAF
    assert Principle.SBD1.framework is Framework.SECURE_BY_DESIGN
    assert Principle.SBD7.label == "Minimise the attack surface"
    assert len([p for p in Principle if p.framework is Framework.CAF]) == 14
    assert len([p for p in Principle if p.framework is Framework.SECURE_BY_DESIGN]) == 10
