"""Matching against a corpus of version strings as systems, tools and people write them.

Each string comes with what it must resolve to: "PRODUCT CYCLE" (that release, no doubt),
"ambiguous PRODUCT CYCLE" (several releases fit: the one assumed, reported as ambiguous),
"unknown PRODUCT" (the product, but no release) or "unknown" (no product in the catalogue).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import pytest

from estate.catalogue import Match, builtin, tokens

CORPUS_FOLDER = Path(__file__).with_name("match_corpus")
WRITTEN = "written"
"""The source kind of the strings written in a tool's published format (`formats.txt`)."""
SOURCE_KINDS = {
    "issue": "pasted into a public issue or pull-request thread",
    "forum": "pasted into a public question-and-answer thread, mailing list or blog",
    "docs": "printed in a vendor's or project's documentation",
    "fixture": "captured from the tool in a public repository's test data",
    "code": "quoted in a public repository's source, configuration or data",
}
"""Where a string of the corpus was found, for the strings under an `@ KIND URL` line."""


class Entry(NamedTuple):
    """One string of the corpus and what it must resolve to."""

    source_kind: str
    form: str
    text: str
    expected: str
    source: str


def read_corpus(path: Path) -> list[Entry]:
    """Every entry of one corpus file: `[format]` lines name the format of the entries below
    them, `@ KIND URL` lines where they were found (until the next `@` or `[`), each entry is
    `TEXT => EXPECTED`, `\\t` a tab and `\\n` a new line. `formats.txt` has no `@` lines: its
    strings are written in the tools' published formats."""
    found: list[Entry] = []
    form = source = ""
    kind = WRITTEN if path.name == "formats.txt" else ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{path.name} line {number}"
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            form = line[1:-1]
            if path.name != "formats.txt":
                kind = source = ""
            continue
        if line.startswith("@ "):
            assert path.name != "formats.txt", f"{where}: formats.txt has no sources"
            kind, _, source = line[2:].strip().partition(" ")
            assert kind in SOURCE_KINDS, (
                f"{where}: source kind {kind!r} is not one of {set(SOURCE_KINDS)}"
            )
            assert source.startswith("https://") and " " not in source, (
                f"{where}: {source!r} is not a URL"
            )
            continue
        text, _, expected = line.rpartition(" => ")
        assert text and form, f"{where}: {line!r} is not TEXT => EXPECTED under a [format]"
        assert kind, f"{where}: {line!r} has no `@ KIND URL` line above it"
        text = text.replace("\\t", "\t").replace("\\n", "\n")
        found.append(Entry(kind, form, text, expected, source))
    return found


CORPUS = [entry for path in sorted(CORPUS_FOLDER.glob("*.txt")) for entry in read_corpus(path)]
FROM_SOURCES = [entry for entry in CORPUS if entry.source_kind != WRITTEN]


def resolved(match: Match) -> str:
    """What a match resolved to, in the corpus's words."""
    if match.product is None:
        return "unknown"
    if match.product.evergreen:
        return match.product.key
    if match.cycle is None:
        return f"unknown {match.product.key}"
    ambiguous = match.note is not None and match.note.startswith("ambiguous:")
    return ("ambiguous " if ambiguous else "") + f"{match.product.key} {match.cycle.cycle}"


def _product(expected: str) -> str | None:
    """The product an expectation names, or None for "unknown"."""
    words = expected.removeprefix("ambiguous ").removeprefix("unknown").split()
    return words[0] if words else None


@pytest.mark.parametrize("entry", CORPUS, ids=[f"{entry.form}: {entry.text}" for entry in CORPUS])
def test_each_string_resolves_as_the_corpus_says(entry: Entry) -> None:
    match = builtin().match(entry.text)
    assert resolved(match) == entry.expected, (entry.source, match.note)


def test_each_string_is_in_the_corpus_once() -> None:
    counted = Counter(entry.text for entry in CORPUS)
    assert [text for text, n in counted.items() if n > 1] == []


def test_at_least_600_strings_from_public_sources_over_80_products() -> None:
    assert len(FROM_SOURCES) >= 600
    products = {_product(entry.expected) for entry in FROM_SOURCES} - {None}
    assert len(products) >= 80


def test_the_documented_accuracy_by_source_kind_is_the_corpus() -> None:
    # docs/lifecycle.md reports, per source kind, how many strings the corpus holds and how
    # many resolve as expected.
    docs = (Path(__file__).parents[1] / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([\w-]+)` \| (\d+) \| (\d+) \|$", docs, re.MULTILINE)
    counted = Counter(entry.source_kind for entry in CORPUS)
    right = Counter(
        entry.source_kind
        for entry in CORPUS
        if resolved(builtin().match(entry.text)) == entry.expected
    )
    assert {kind: (int(n), int(ok)) for kind, n, ok in rows} == {
        kind: (n, right[kind]) for kind, n in counted.items()
    }


def _shared_prefixes() -> list[tuple[str, str]]:
    """(product key, version) for every version several releases of a product start with but
    none is named by, e.g. Oracle Database "12" (12.1 and 12.2) or Tomcat "8" (8.0 and 8.5)."""
    found: list[tuple[str, str]] = []
    for product in builtin().products.values():
        names = {tuple(c.cycle.replace("-", ".").split(".")) for c in product.cycles}
        prefixes = {name[:-1] for name in names if len(name) > 1}
        for prefix in sorted(prefixes - names):
            starting = [n for n in names if n[: len(prefix)] == prefix]
            if len(starting) > 1 and prefix[0].isdigit():
                found.append((product.key, ".".join(prefix)))
    return found


@pytest.mark.parametrize(("key", "version"), _shared_prefixes())
def test_every_product_line_reports_ambiguity_the_same_way(key: str, version: str) -> None:
    product = builtin().products[key]
    spellings = (key.replace("-", " "), product.title)
    name = next(n for n in spellings if builtin().match(n).product is product)
    match = builtin().match(f"{name} {version}")
    assert match.product is product
    assert match.note is not None, f"{product.title} {version} matched without a note"
    assert match.note.startswith(f"ambiguous: version {' '.join(tokens(version))} could be")
    assert match.cycle is not None and f"assumed {match.cycle.label}" in match.note
