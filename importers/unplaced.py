"""Technology the lifecycle catalogue cannot place, named at import and validation.

A component whose product or release the catalogue does not know has no end of support, so
scoring cannot say whether it is legacy. Each such cell is reported as a warning, with why and
the nearest products the catalogue does know, in the same words for every cell, so that the
terminal's grouping of problems gathers them; hardware, and a component the return gives its
own end-of-support date, need no placing. A version several releases share (a bare Windows NT
build is desktop Windows or Windows Server) is placed at the one whose support ends first, and
that cell too is named, with the releases it could be, since its dates may be years early.
"""

from __future__ import annotations

from estate.catalogue import builtin
from estate.catalogue.placing import closest_products, releases_of, why_unplaced
from estate.enums import ComponentKind
from importers.layout import RecordKind
from importers.parse import ParsedReturn, Record
from importers.problems import Severity


def warn_unplaced(parsed: ParsedReturn) -> None:
    """Add a warning for each component the built-in catalogue cannot place at a release, and
    for each it placed at one of several releases its version could be."""
    catalogue = builtin()
    for record in parsed.records.get(RecordKind.COMPONENTS, []):
        values = record.values
        if values.get("kind") is ComponentKind.HARDWARE or values.get("end_of_support"):
            continue
        product = str(values.get("product") or "")
        version = str(values.get("version") or "")
        text = f"{product} {version}".strip()
        match = catalogue.match(product, version)
        if match.assumed:
            _warn(
                parsed,
                record,
                text,
                f"the lifecycle catalogue cannot tell which release this is ({match.note}), so "
                "it takes the one whose support ends first; name the release or edition if it "
                "is another",
                "a product and release the catalogue places at one release",
            )
        if match.matched:
            continue
        if match.product is None:
            near = closest_products(catalogue, text)
            hint = f"; closest: {', '.join(repr(n) for n in near)}" if near else ""
        else:
            hint = f"; its releases include {', '.join(repr(r) for r in releases_of(match))}"
        _warn(
            parsed,
            record,
            text,
            f"the lifecycle catalogue cannot place this technology ({why_unplaced(match)}), so "
            f"its end of support is unknown{hint}",
            "a product and release the catalogue knows, or its end-of-support date",
        )


def _warn(parsed: ParsedReturn, record: Record, text: str, message: str, expected: str) -> None:
    """A warning on a component's cell: its own sheet and column, else the components
    sheet's and its product column."""
    column = record.column
    mapping = parsed.mappings.get(RecordKind.COMPONENTS)
    if column is None and mapping is not None and "product" in mapping.fields:
        column = mapping.letter("product")
    parsed.problem(
        Severity.WARNING,
        message,
        sheet=record.sheet or parsed.sheet_names.get(RecordKind.COMPONENTS),
        row=record.row,
        column=column,
        value=text,
        expected=expected,
    )
