"""Systems that run their own sign-in, split by who signs in: citizen-facing sign-in is a
candidate for GOV.UK One Login, staff-facing sign-in for the department's own directory.

Who signs in is read from whether the system faces the internet: a return that says it does
serves the public; one that says it does not serves staff; one that does not say is listed
apart, so nobody takes a guess for a fact."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from estate.enums import SignIn

CITIZEN = "Citizen-facing"
STAFF = "Staff-facing"
NOT_KNOWN = "Not known"
AUDIENCES = (CITIZEN, STAFF, NOT_KNOWN)
CANDIDATE_FOR = {
    CITIZEN: "GOV.UK One Login",
    STAFF: "the department's directory",
    NOT_KNOWN: "One Login if the public signs in, else the directory",
}
"""What each audience's own sign-in should move to."""


class SignsIn(Protocol):
    """A system as the sign-in lists need it: a scored system, or its line of a ranking."""

    @property
    def rank(self) -> int: ...
    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def department(self) -> str: ...
    @property
    def priority(self) -> float: ...
    @property
    def sign_in(self) -> str | None: ...
    @property
    def internet_facing(self) -> bool | None: ...
    @property
    def run_cost(self) -> float | None: ...
    @property
    def band(self) -> str | None: ...


S = TypeVar("S", bound=SignsIn)


def audience(system: SignsIn) -> str:
    """Who signs in to the system: citizen-facing, staff-facing, or not known."""
    facing = system.internet_facing
    if facing is None:
        return NOT_KNOWN
    return CITIZEN if facing else STAFF


@dataclass(frozen=True)
class SignInGroup(Generic[S]):
    """One department's systems with their own sign-in for one audience, highest priority
    first."""

    department: str
    audience: str
    systems: list[S]

    @property
    def candidate_for(self) -> str:
        """Where this group's sign-in should move."""
        return CANDIDATE_FOR[self.audience]


def own_sign_in(systems: Iterable[S]) -> list[SignInGroup[S]]:
    """Systems running their own sign-in, grouped by department and audience: departments with
    the most first, then citizen-facing, staff-facing and not known, each in priority order."""
    grouped: dict[tuple[str, str], list[S]] = {}
    for system in sorted(systems, key=lambda s: s.rank):
        if system.sign_in == SignIn.OWN_ACCOUNTS.value:
            grouped.setdefault((system.department, audience(system)), []).append(system)
    per_department: dict[str, int] = {}
    for (department, _), rows in grouped.items():
        per_department[department] = per_department.get(department, 0) + len(rows)
    order = {name: index for index, name in enumerate(AUDIENCES)}
    keys = sorted(grouped, key=lambda k: (-per_department[k[0]], k[0], order[k[1]]))
    return [SignInGroup(department, who, grouped[department, who]) for department, who in keys]
