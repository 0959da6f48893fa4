"""A money header's multiplier: registers give amounts in thousands or millions of pounds
("Annual Cost (£k)", "Run cost £000s", "(£m)"), and such a column is read in that unit."""

from __future__ import annotations

import re

_SCALE = re.compile(
    r"[(\[]\s*(?:£|gbp)?\s*'?(?P<a>k|000s?|000's|thousands?|m|mn|millions?|bn)'?\s*[)\]]"
    r"|(?:£|gbp)\s*'?(?P<b>k|000s?|000's|thousands?|m|mn|millions?|bn)\b"
    r"|\bin\s+(?:£\s*|gbp\s+|pounds\s+)?(?P<c>thousands|millions)\b",
    re.IGNORECASE,
)
"""A money header's multiplier: "(£k)", "£000s", "(£m)", "£m", "(GBP 000)", "in thousands"."""
_SCALES = {"k": 1e3, "000": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6}
_SCALES["bn"] = 1e9


def header_scale(text: str) -> tuple[str, float]:
    """(the header without its multiplier, pounds per unit of its cells): "Annual Cost (£k)"
    is ("Annual Cost", 1000.0); a header naming no multiplier is itself, 1."""
    match = _SCALE.search(text)
    if match is None:
        return text, 1.0
    unit = (match["a"] or match["b"] or match["c"]).lower().replace("'", "").rstrip("s")
    scale = _SCALES.get(unit)
    if scale is None:
        return text, 1.0
    return (text[: match.start()] + " " + text[match.end() :]).strip(), scale
