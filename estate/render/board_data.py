"""The board's lists as plain data, for every face that prints them as JSON or CSV: contracts
ending soon, supplier concentration and the technology portfolio."""

from __future__ import annotations

import datetime as dt

from estate.portfolio import EXTENDED, NOT_KNOWN, OUT_OF_SUPPORT, SUPPORTED, Portfolio, Release
from estate.ranking.contracts import Contract, Supplier
from estate.render.list_columns import plain_value


def contract_dict(c: Contract) -> dict[str, object]:
    """A contract ending soon, with its system's band, run cost and disposition."""
    t = c.terms
    return {
        "window": c.window,
        "contract_end": t.contract_end.isoformat() if t.contract_end else None,
        "months_left": c.months_left,
        "rank": t.rank,
        "key": t.key,
        "name": t.name,
        "department": t.department,
        "legacy_band": t.band,
        "annual_run_cost": plain_value(t.run_cost, "money") if t.run_cost is not None else None,
        "supplier": t.supplier,
        "suggested_disposition": t.disposition,
        "disposition_reason": t.disposition_reason,
    }


def supplier_dict(s: Supplier) -> dict[str, object]:
    """How much of the estate one supplier holds."""
    return {
        "supplier": s.name,
        "systems": s.systems,
        "annual_run_cost": plain_value(s.run_cost, "money"),
        "costs_not_known": s.costs_not_known,
        "red_rated": s.red_rated,
        "departments": sorted(s.departments),
        "contracts_ending": s.ending,
    }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def release_dict(r: Release) -> dict[str, object]:
    """One release in use and its systems by support status."""
    return {
        "release": r.release,
        "status": r.status,
        "systems": len(r.systems),
        "departments": len(r.departments),
        "out_of_support": r.systems_in(OUT_OF_SUPPORT),
        "paid_extended_support": r.systems_in(EXTENDED),
        "supported": r.systems_in(SUPPORTED),
        "support_not_known": r.systems_in(NOT_KNOWN),
        "security_support_ends": _iso(r.security_end),
        "extended_support_ends": _iso(r.extended_end),
    }


def portfolio_dict(found: Portfolio) -> dict[str, object]:
    """The portfolio as the JSON output gives it."""
    return {
        "as_of": found.as_of.isoformat(),
        "products": [
            {
                "product": p.product,
                "kind": p.kind,
                "systems": len(p.systems),
                "departments": len(p.departments),
                "out_of_support": p.systems_in(OUT_OF_SUPPORT),
                "paid_extended_support": p.systems_in(EXTENDED),
                "releases": [release_dict(r) for r in p.releases],
            }
            for p in found.products
        ],
        "consolidation_candidates": [
            {
                "kind": c.kind,
                "subject": c.subject,
                "detail": c.detail,
                "systems": c.systems,
                "departments": c.departments,
            }
            for c in found.candidates
        ],
    }
