"""Cloud readiness ("Cloud First"): Ready / Ready with conditions / Not ready / Unknown, a 0-100
score with every reason, and a suggested disposition from the 7 Rs with its reason.

Reasons follow migration assessment practice: an operating system out of support, a mainframe
or non-x86 platform, SECRET data, specialised hardware, licensing, dependencies on systems that
cannot move, and too little data to say.
"""

from __future__ import annotations

from estate.enums import (
    Classification,
    ComponentKind,
    Criticality,
    Disposition,
    Hosting,
    LifecycleStatus,
)
from estate.scoring.facts import SystemFacts
from estate.scoring.policy import Policy
from estate.scoring.results import CloudReadiness, Readiness, ReadinessReason
from estate.words import counted

CLOUD_HOSTING = (Hosting.PUBLIC_IAAS, Hosting.PUBLIC_PAAS, Hosting.SAAS)
MAX_DEPENDENCY_PENALTIES = 4


def blocks_move(facts: SystemFacts, policy: Policy) -> bool:
    """Whether a system is tied to premises (mainframe, non-x86, SECRET): its dependents cannot
    simply move away from it."""
    products = facts.products
    return (
        bool(
            products & policy.names("readiness", "mainframe_products")
            or products & policy.names("readiness", "non_x86_products")
            or facts.row.classification in (Classification.SECRET, Classification.TOP_SECRET)
        )
        and facts.row.hosting not in CLOUD_HOSTING
    )


def _reasons(facts: SystemFacts, policy: Policy, anchored: set[str]) -> list[ReadinessReason]:
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
    stuck = [key for key in facts.depends_on if key in anchored]
    if stuck:
        shown = ", ".join(stuck[:3]) + (" ..." if len(stuck) > 3 else "")
        penalty = int(rules["on_premises_dependency_penalty"]) * min(
            len(stuck), MAX_DEPENDENCY_PENALTIES
        )
        reasons.append(
            ReadinessReason(
                f"depends on {counted(len(stuck), 'system')} that "
                f"{'stays' if len(stuck) == 1 else 'stay'} on premises ({shown})",
                "condition",
                penalty,
            )
        )
    return reasons


def assess_readiness(facts: SystemFacts, policy: Policy, anchored: set[str]) -> CloudReadiness:
    """Readiness for public cloud; `anchored` holds the keys of systems that cannot move."""
    row = facts.row
    score: int | None
    if row.hosting in CLOUD_HOSTING:
        category, score = Readiness.READY, 100
        reasons: list[ReadinessReason] = []
    else:
        reasons = _reasons(facts, policy, anchored)
        matched = any(c.match and c.match.matched for c in facts.components)
        if row.hosting is None or not matched:
            missing = "hosting" if row.hosting is None else "a recognised technology component"
            reasons.append(ReadinessReason(f"too little data: no {missing}", "unknown", 0))
        score = max(0, 100 - sum(r.penalty for r in reasons))
        effects = {r.effect for r in reasons}
        if "blocker" in effects:
            category = Readiness.NOT_READY
        elif "unknown" in effects:
            category, score = Readiness.UNKNOWN, None
        elif "condition" in effects:
            category = Readiness.CONDITIONAL
        else:
            category = Readiness.READY
    disposition, why = suggest_disposition(facts, policy, category)
    return CloudReadiness(category, score, tuple(reasons), disposition, why)


_COMMODITY_WORDS = (
    "hr",
    "payroll",
    "email",
    "mail",
    "finance",
    "crm",
    "service desk",
    "helpdesk",
    "procurement",
    "correspondence",
    "workforce",
    "document",
    "records",
)


def suggest_disposition(
    facts: SystemFacts, policy: Policy, category: Readiness
) -> tuple[Disposition | None, str]:
    """The 7 Rs disposition that fits the facts, and why."""
    row = facts.row
    mainframe = bool(facts.products & policy.names("readiness", "mainframe_products"))
    out_of_support = any(c.out_of_support(policy.as_of) for c in facts.components)
    name = f" {row.name.lower()} "
    if (
        row.lifecycle_status in (LifecycleStatus.RETIRED, LifecycleStatus.SUNSETTING)
        or row.users == 0
    ):
        return Disposition.RETIRE, "being switched off or unused: retire it rather than move it"
    if row.hosting is Hosting.SAAS:
        return Disposition.RETAIN, "already a SaaS service"
    if row.hosting in (Hosting.PUBLIC_IAAS, Hosting.PUBLIC_PAAS):
        if out_of_support:
            return (
                Disposition.REPLATFORM,
                "in public cloud but on unsupported components: move to supported managed services",
            )
        return Disposition.RETAIN, "already in public cloud on supported technology"
    if row.classification in (Classification.SECRET, Classification.TOP_SECRET):
        return (
            Disposition.RETAIN,
            "classification needs accredited hosting: retain, and modernise in place",
        )
    if any(c.kind is ComponentKind.APPLICATION for c in facts.components) or any(
        f" {w} " in name for w in _COMMODITY_WORDS
    ):
        return Disposition.REPURCHASE, "a commodity function that SaaS products provide"
    if category is Readiness.UNKNOWN:
        return None, "too little data to suggest one"
    critical = row.criticality in (Criticality.CRITICAL, Criticality.HIGH)
    if mainframe:
        if critical:
            return (
                Disposition.REFACTOR,
                "critical mainframe system: refactor off the mainframe in stages",
            )
        return (
            Disposition.RETAIN,
            "mainframe system of lower criticality: retain until a replacement is planned",
        )
    if category is Readiness.NOT_READY:
        return Disposition.REFACTOR, "its platform cannot move as it is: re-architect it"
    if out_of_support and critical:
        return (
            Disposition.REPLATFORM,
            "critical and out of support: replatform onto supported technology",
        )
    if out_of_support:
        return Disposition.REPLATFORM, "out of support: upgrade the platform as it moves"
    if category is Readiness.READY:
        return Disposition.REHOST, "supported technology with no blockers: rehost (lift and shift)"
    if category is Readiness.CONDITIONAL:
        return Disposition.REPLATFORM, "movable once its conditions are met"
    return None, "too little data to suggest one"
