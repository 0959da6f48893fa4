"""Matching against a corpus of version strings as systems, tools and people write them.

Each string comes with what it must resolve to: "PRODUCT CYCLE" (that release, no doubt),
"ambiguous PRODUCT CYCLE" (several releases fit: the one assumed, reported as ambiguous),
"unknown PRODUCT" (the product, but no release) or "unknown" (no product in the catalogue).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from estate.catalogue import Match, builtin, tokens

CORPUS_FILE = Path(__file__).with_name("match_corpus.txt")


def read_corpus(path: Path) -> list[tuple[str, str, str]]:
    """(source kind, text, expected) for every entry of the corpus file: `[kind]` lines name
    where the entries below them come from, each entry is `TEXT => EXPECTED`, `\\t` a tab and
    `\\n` a new line."""
    found: list[tuple[str, str, str]] = []
    kind = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            kind = line[1:-1]
            continue
        text, _, expected = line.rpartition(" => ")
        assert text and kind, f"{path.name}: {line!r} is not TEXT => EXPECTED under a [kind]"
        found.append((kind, text.replace("\\t", "\t").replace("\\n", "\n"), expected))
    return found


CORPUS = read_corpus(CORPUS_FILE)


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


@pytest.mark.parametrize(
    ("kind", "text", "expected"), CORPUS, ids=[f"{kind}: {text}" for kind, text, _ in CORPUS]
)
def test_each_string_resolves_as_the_corpus_says(kind: str, text: str, expected: str) -> None:
    match = builtin().match(text)
    assert resolved(match) == expected, match.note


def test_the_corpus_holds_at_least_600_strings_each_once_over_80_products() -> None:
    texts = [text for _, text, _ in CORPUS]
    assert len(texts) >= 600
    assert [t for t, n in Counter(texts).items() if n > 1] == []
    products = {expected.split()[-2] for _, _, expected in CORPUS if len(expected.split()) > 1}
    products |= {e.split()[1] for _, _, e in CORPUS if e.startswith("unknown ")}
    assert len(products) >= 80


def test_the_documented_accuracy_by_source_kind_is_the_corpus() -> None:
    # docs/lifecycle.md reports, per source kind, how many strings the corpus holds and how
    # many resolve as expected.
    docs = (Path(__file__).parents[1] / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([\w-]+)` \| (\d+) \| (\d+) \|$", docs, re.MULTILINE)
    counted = Counter(kind for kind, _, _ in CORPUS)
    right = Counter(
        kind for kind, text, expected in CORPUS if resolved(builtin().match(text)) == expected
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
