"""Cloud readiness ("Cloud First"): Ready / Ready with conditions / Not ready / Unknown, a 0-100
score with every reason, and a suggested disposition from the 7 Rs with its reason.

Reasons follow migration assessment practice: an operating system out of support, a mainframe
or non-x86 platform, SECRET data, specialised hardware, licensing, dependencies on systems that
cannot move, and too little data to say.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from typing import Any, NamedTuple

from estate.advice.capabilities import commodity_capability
from estate.enums import (
    Classification,
    ComponentKind,
    Criticality,
    Disposition,
    Hosting,
    LifecycleStatus,
)
from estate.scoring.facts import ComponentFact, SystemFacts
from estate.scoring.policy import Policy
from estate.scoring.results import (
    CloudReadiness,
    Readiness,
    ReadinessReason,
    cloud_readiness,
    uk_date,
)
from estate.words import counted

CLOUD_HOSTING = (Hosting.PUBLIC_IAAS, Hosting.PUBLIC_PAAS, Hosting.SAAS)
MAX_DEPENDENCY_PENALTIES = 4


def blocks_move(facts: SystemFacts, policy: Policy) -> bool:
    """Whether a system is tied to premises (mainframe, non-x86, SECRET): its dependents cannot
    simply move away from it."""
    row = facts.row
    if row.hosting in CLOUD_HOSTING:
        return False
    return row.classification in SECRET or policy.memo("platforms", _Platforms).stay(facts)


class _Platforms:
    """Whether a set of components includes a mainframe or non-x86 product under one policy,
    worked out once per distinct set (by identity: the entry keeps them alive, so their ids
    stay theirs while it stands)."""

    __slots__ = ("_names", "_seen")

    def __init__(self, policy: Policy) -> None:
        self._names = policy.names("readiness", "mainframe_products") | policy.names(
            "readiness", "non_x86_products"
        )
        self._seen: dict[tuple[int, ...], tuple[tuple[ComponentFact, ...], bool]] = {}

    def stay(self, facts: SystemFacts) -> bool:
        """Whether the system's components include a platform that stays on premises."""
        components = facts.components
        key = tuple(map(id, components))
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = (
                tuple(components),
                not facts.products.isdisjoint(self._names),
            )
        return found[1]


def _reasons(
    facts: SystemFacts, policy: Policy, anchored: Collection[str]
) -> list[ReadinessReason]:
    rules = policy.section("readiness")
    row = facts.row
    products = facts.products
    reasons: list[ReadinessReason] = []
    if products & policy.names("readiness", "mainframe_products"):
        reasons.append(
            ReadinessReason(
                "runs on a mainframe platform (z/OS, COBOL, CICS)",
                "blocker",
                int(rules["mainframe_penalty"]),
            )
        )
    elif products & policy.names("readiness", "non_x86_products"):
        names = sorted(
            c.match.product.title
            for c in facts.components
            if c.match and c.match.product and c.match.product.key in rules["non_x86_products"]
        )
        reasons.append(
            ReadinessReason(
                f"non-x86 platform ({', '.join(names)}) has no like-for-like in public cloud",
                "blocker",
                int(rules["non_x86_platform_penalty"]),
            )
        )
    if row.classification in (Classification.SECRET, Classification.TOP_SECRET):
        reasons.append(
            ReadinessReason(
                f"holds {row.classification.value} data: needs accredited hosting, "
                "not standard public cloud",
                "blocker",
                int(rules["secret_data_penalty"]),
            )
        )
    stays = policy.names("readiness", "mainframe_products") | policy.names(
        "readiness", "non_x86_products"
    )
    for component in facts.components:
        if component.kind is ComponentKind.OS and component.out_of_support(policy.as_of):
            product = component.match.product if component.match else None
            # A mainframe or non-x86 operating system does not move as it is: upgrading it
            # "before or during the move" is no advice for it.
            advice = (
                "upgrade it where it runs"
                if product is not None and product.key in stays
                else "upgrade before or during the move"
            )
            reasons.append(
                ReadinessReason(
                    f"operating system {component.label} is out of support: {advice}",
                    "condition",
                    int(rules["unsupported_os_penalty"]),
                )
            )
        if component.kind is ComponentKind.HARDWARE and not any(
            r.penalty == rules["mainframe_penalty"] for r in reasons
        ):
            reasons.append(
                ReadinessReason(
                    f"specialised hardware ({component.label})",
                    "condition",
                    int(rules["specialised_hardware_penalty"]),
                )
            )
    licensed = sorted(
        c.match.product.title
        for c in facts.components
        if c.match and c.match.product and c.match.product.key in rules["licensing_products"]
    )
    if licensed and row.hosting not in CLOUD_HOSTING:
        reasons.append(
            ReadinessReason(
                f"licensing review needed for {', '.join(licensed)} in public cloud",
                "condition",
                int(rules["licensing_penalty"]),
            )
        )
    stuck = _stuck(facts, policy, anchored)
    if stuck is not None:
        reasons.append(stuck)
    return reasons


def _stuck(facts: SystemFacts, policy: Policy, anchored: Collection[str]) -> ReadinessReason | None:
    """The condition of depending on systems that stay on premises, if it does."""
    stuck = [key for key in facts.depends_on if key in anchored]
    if not stuck:
        return None
    shown = ", ".join(stuck[:3]) + (" ..." if len(stuck) > 3 else "")
    penalty = int(policy.section("readiness")["on_premises_dependency_penalty"]) * min(
        len(stuck), MAX_DEPENDENCY_PENALTIES
    )
    return ReadinessReason(
        f"depends on {counted(len(stuck), 'system')} that "
        f"{'stays' if len(stuck) == 1 else 'stay'} on premises ({shown})",
        "condition",
        penalty,
    )


_NO_HOSTING = ReadinessReason("too little data: no hosting", "unknown", 0)
_NO_COMPONENT = ReadinessReason(
    "too little data: no a recognised technology component", "unknown", 0
)


class _Components(NamedTuple):
    """What readiness reads of one set of components under one policy."""

    components: tuple[ComponentFact, ...]
    """The components themselves: kept alive, so that their ids, the key, stay theirs."""
    reasons: tuple[ReadinessReason, ...]
    """The reasons before those of the system's dependencies (`_reasons` less `_stuck`)."""
    matched: bool
    """Whether the catalogue recognised any of them."""
    mainframe: list[str]
    unsupported: list[ComponentFact]
    penalty: int
    """The sum of the reasons' penalties."""
    effects: frozenset[str]
    """The reasons' effects."""


class ReadinessScorer:
    """`assess_readiness` for one policy, for many systems: what it reads of a set of
    components (with the system's classification, which decides whether specialised hardware
    counts) is worked out once per distinct set, so systems built alike share it."""

    __slots__ = ("_policy", "_seen")

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._seen: dict[tuple[Any, ...], _Components] = {}

    def assess(self, facts: SystemFacts, anchored: Collection[str]) -> CloudReadiness:
        """What `assess_readiness` gives for the system."""
        row = facts.row
        policy = self._policy
        components = facts.components
        secret = row.classification if row.classification in SECRET else None
        cloud = row.hosting in CLOUD_HOSTING
        key = (*map(id, components), secret, cloud)
        seen = self._seen.get(key)
        if seen is None:
            own = () if cloud else tuple(_reasons(facts, policy, ()))
            seen = self._seen[key] = _Components(
                tuple(components),
                own,
                any(c.match and c.match.matched for c in components),
                *_platform(components, policy),
                sum(r.penalty for r in own),
                frozenset(r.effect for r in own),
            )
        if cloud:
            return _in_cloud(facts, policy, seen.mainframe, seen.unsupported)
        reasons = list(seen.reasons)
        penalty, effects = seen.penalty, seen.effects
        stuck = _stuck(facts, policy, anchored)
        if stuck is not None:
            reasons.append(stuck)
            penalty += stuck.penalty
            effects = effects | {stuck.effect}
        if row.hosting is None or not seen.matched:
            unknown = _NO_HOSTING if row.hosting is None else _NO_COMPONENT
            reasons.append(unknown)
            penalty += unknown.penalty
            effects = effects | {unknown.effect}
        category, score = _category(penalty, effects)
        disposition, why = _disposition(
            facts, policy, category, reasons, seen.mainframe, seen.unsupported
        )
        return cloud_readiness(category, score, tuple(reasons), disposition, why)


SECRET = (Classification.SECRET, Classification.TOP_SECRET)


def readiness_scorer(policy: Policy) -> ReadinessScorer:
    """The policy's `ReadinessScorer`, made once and kept with the policy."""
    return policy.memo("readiness-scorer", ReadinessScorer)


def assess_readiness(
    facts: SystemFacts, policy: Policy, anchored: Collection[str]
) -> CloudReadiness:
    """Readiness for public cloud; `anchored` holds the keys of systems that cannot move."""
    return readiness_scorer(policy).assess(facts, anchored)


def _in_cloud(
    facts: SystemFacts, policy: Policy, mainframe: list[str], unsupported: list[ComponentFact]
) -> CloudReadiness:
    """A system already in public cloud: ready, with its disposition."""
    category = Readiness.READY
    disposition, why = _disposition(facts, policy, category, (), mainframe, unsupported)
    return cloud_readiness(category, 100, (), disposition, why)


def _category(penalty: int, effects: Collection[str]) -> tuple[Readiness, int | None]:
    """The category and score of a system not in public cloud from its reasons' penalties
    (summed) and effects: a blocker makes it not ready, too little data unknown (no score), a
    condition ready with conditions."""
    score: int | None = max(0, 100 - penalty)
    if "blocker" in effects:
        category = Readiness.NOT_READY
    elif "unknown" in effects:
        category, score = Readiness.UNKNOWN, None
    elif "condition" in effects:
        category = Readiness.CONDITIONAL
    else:
        category = Readiness.READY
    return category, score


def _repurchase_evidence(facts: SystemFacts, policy: Policy) -> list[str]:
    """What the return says that a bought service could replace the system: its department's
    own plan, a commodity business capability, a SaaS alternative it names, or a packaged
    product whose vendor sells it as a service. Never words in the system's name."""
    row = facts.row
    evidence: list[str] = []
    if row.planned_disposition is Disposition.REPURCHASE:
        evidence.append("its department plans to repurchase it")
    capability = _commodity(getattr(row, "business_capability", None))
    if capability is not None:
        evidence.append(
            f'its business capability "{row.business_capability}" is a commodity function '
            f"({capability})"
        )
    alternative = getattr(row, "saas_alternative", None)
    if alternative:
        evidence.append(f"the return names a SaaS alternative ({alternative})")
    successors: dict[str, str] = policy.section("readiness").get("saas_successors", {})
    for component in facts.components:
        product = component.match.product if component.match else None
        if product is not None and product.key in successors:
            evidence.append(
                f"{component.label} is sold by its vendor as a service ({successors[product.key]})"
            )
    return evidence


@functools.lru_cache(maxsize=4096)
def _commodity(capability: str | None) -> str | None:
    """`commodity_capability`, worked out once per distinct text: an estate repeats a few
    hundred capabilities across its systems."""
    return commodity_capability(capability)


def _weighed(facts: SystemFacts, policy: Policy) -> str:
    """Why a bought service is harder for this system: many systems depend on it, or it is
    wired to many others; "" when neither."""
    many = int(policy.section("readiness").get("repurchase_weigh_integrations_at_least", 10))
    said: list[str] = []
    dependents = facts.blast.total if facts.blast is not None else 0
    if dependents >= many:
        verb = "depends" if dependents == 1 else "depend"
        said.append(f"{counted(dependents, 'system')} {verb} on it")
    if len(facts.depends_on) >= many:
        said.append(f"it depends on {counted(len(facts.depends_on), 'system')}")
    if not said:
        return ""
    return (
        f"weighed: {' and '.join(said)}, so the bought service must carry those interfaces; "
        "plan them with the purchase"
    )


def _said(reasons: Sequence[ReadinessReason], effect: str, otherwise: str) -> str:
    """The readiness reasons of one effect, as the facts a disposition rests on."""
    return "; ".join(r.text for r in reasons if r.effect == effect) or otherwise


def _labels(components: list[ComponentFact]) -> str:
    shown = [c.label for c in components[:3]]
    return ", ".join(shown) + (" ..." if len(components) > 3 else "")


def suggest_disposition(
    facts: SystemFacts,
    policy: Policy,
    category: Readiness,
    reasons: Sequence[ReadinessReason] = (),
) -> tuple[Disposition | None, str]:
    """The 7 Rs disposition that fits the facts, and why: the reason names the facts of the
    return (and the catalogue) the suggestion came from."""
    mainframe, unsupported = _platform(facts.components, policy)
    return _disposition(facts, policy, category, reasons, mainframe, unsupported)


def _platform(
    components: Sequence[ComponentFact], policy: Policy
) -> tuple[list[str], list[ComponentFact]]:
    """The labels of the mainframe components, in order, and the components out of support
    at the policy's date: what a disposition reads of the components."""
    mainframe = sorted(
        c.label
        for c in components
        if c.match
        and c.match.product
        and c.match.product.key in policy.names("readiness", "mainframe_products")
    )
    return mainframe, [c for c in components if c.out_of_support(policy.as_of)]


def _disposition(
    facts: SystemFacts,
    policy: Policy,
    category: Readiness,
    reasons: Sequence[ReadinessReason],
    mainframe: list[str],
    unsupported: list[ComponentFact],
) -> tuple[Disposition | None, str]:
    """`suggest_disposition` given what it reads of the components (`_platform`)."""
    row = facts.row
    status = row.lifecycle_status
    if status in (LifecycleStatus.RETIRED, LifecycleStatus.CANCELLED):
        return Disposition.RETIRE, f"lifecycle status {status.value}: out of the estate's counts"
    if status is LifecycleStatus.SUNSETTING:
        when = (
            f"to be retired by {uk_date(row.target_date)}"
            if row.target_date
            else "no retirement date given"
        )
        return (
            Disposition.RETIRE,
            f"lifecycle status {status.value} ({when}): not worth moving",
        )
    if row.users == 0 and not (facts.blast and facts.blast.total):
        # With systems depending on it, no users of its own makes it a back-end service, not
        # an unused one: switching it off would break them.
        return Disposition.RETIRE, "0 users and no system depends on it: unused, not worth moving"
    if row.hosting is Hosting.SAAS:
        return Disposition.RETAIN, "hosting SaaS: already a bought service"
    if row.hosting in (Hosting.PUBLIC_IAAS, Hosting.PUBLIC_PAAS):
        if unsupported:
            return (
                Disposition.REPLATFORM,
                f"hosting {row.hosting.value}, with {_labels(unsupported)} out of support: "
                "supported managed services are at hand",
            )
        return (
            Disposition.RETAIN,
            f"hosting {row.hosting.value}: already in public cloud, on supported technology",
        )
    if row.classification in (Classification.SECRET, Classification.TOP_SECRET):
        return (
            Disposition.RETAIN,
            f"classification {row.classification.value}: needs accredited hosting, not standard "
            "public cloud",
        )
    evidence = _repurchase_evidence(facts, policy)
    if evidence:
        weighed = _weighed(facts, policy)
        return Disposition.REPURCHASE, "; ".join([*evidence, *([weighed] if weighed else [])])
    if category is Readiness.UNKNOWN:
        return None, "too little data to suggest one"
    critical = row.criticality in (Criticality.CRITICAL, Criticality.HIGH)
    if mainframe:
        if critical:
            return (
                Disposition.REFACTOR,
                f"criticality {row.criticality.value} on a mainframe ({', '.join(mainframe)}): "
                "move off it in stages",
            )
        return (
            Disposition.RETAIN,
            f"mainframe ({', '.join(mainframe)}) of lower criticality: until a replacement is "
            "planned",
        )
    if category is Readiness.NOT_READY:
        return (
            Disposition.REFACTOR,
            "cloud readiness Not ready: " + _said(reasons, "blocker", "its platform cannot move"),
        )
    if unsupported and critical:
        return (
            Disposition.REPLATFORM,
            f"criticality {row.criticality.value}, with {_labels(unsupported)} out of support",
        )
    if unsupported:
        return (
            Disposition.REPLATFORM,
            f"{_labels(unsupported)} out of support: upgrade the platform as it moves",
        )
    if category is Readiness.READY:
        return (
            Disposition.REHOST,
            "cloud readiness Ready: supported technology, no blockers",
        )
    if category is Readiness.CONDITIONAL:
        return (
            Disposition.REPLATFORM,
            "cloud readiness Ready with conditions, movable once they are met: "
            + _said(reasons, "condition", "its conditions"),
        )
    return None, "too little data to suggest one"
