"""The business capabilities government treats as commodity: functions every organisation has,
which bought (SaaS) services provide, so a system whose return names one of them is a candidate
to repurchase.

The list is documented, not guessed from a system's name:
- corporate services (human resources, payroll, finance, procurement, expenses, recruitment):
  Cabinet Office, "Government Shared Services: a strategy for government" (2021), which moves
  them onto shared, configured (not customised) cloud ERP products;
- workplace technology (email, office productivity and collaboration, intranet, telephony,
  service desk): GDS Common Technology Services and the Technology Code of Practice point 5
  (use cloud first: consider SaaS before anything bespoke), bought through the Crown Commercial
  Service's G-Cloud "cloud software" lot;
- records and document management, learning management and customer relationship management:
  G-Cloud cloud software categories.

A department states a capability in the return's optional "Business capability" column; it is
matched ignoring case, punctuation and "and"/"&", against each capability's name and the short
names departments use ("HR", "ITSM", "CRM"). Any other capability is kept as written and is no
evidence for repurchase.
"""

from __future__ import annotations

import re

COMMODITY_CAPABILITIES: dict[str, tuple[str, ...]] = {
    "Human resources": ("hr", "human resource management", "hrm", "people management"),
    "Payroll": ("payroll services", "pay and pensions administration"),
    "Finance and accounting": ("finance", "accounting", "financial management", "general ledger"),
    "Procurement": ("purchase to pay", "p2p", "purchasing", "e-procurement", "source to pay"),
    "Expenses": ("travel and expenses", "expense management"),
    "Recruitment": ("applicant tracking", "recruiting", "talent acquisition"),
    "Learning management": ("learning", "lms", "training management", "e-learning"),
    "Email": ("e-mail", "email and calendar"),
    "Office productivity and collaboration": ("office productivity", "collaboration"),
    "Intranet": ("intranet and content management",),
    "Telephony and contact centre": ("telephony", "contact centre", "call centre"),
    "IT service management": ("itsm", "service desk", "helpdesk", "help desk"),
    "Document and records management": (
        "document management",
        "records management",
        "edrm",
        "edrms",
        "electronic document and records management",
    ),
    "Customer relationship management": ("crm",),
}
"""Each commodity capability's name, and the other names departments give it."""


def _plain(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).split()
    return " ".join(w for w in words if w != "and")


_BY_NAME: dict[str, str] = {
    _plain(alias): name
    for name, aliases in COMMODITY_CAPABILITIES.items()
    for alias in (name, *aliases)
}


def commodity_capability(capability: str | None) -> str | None:
    """The commodity capability a return's business capability names ("HR" gives "Human
    resources"), or None when it names none: only the list above counts as evidence."""
    if not capability:
        return None
    return _BY_NAME.get(_plain(capability))


def guidance() -> str:
    """The commodity capabilities as the template's guidance lists them."""
    return "; ".join(
        f"{name} ({', '.join(aliases[:2])})" if aliases else name
        for name, aliases in COMMODITY_CAPABILITIES.items()
    )
