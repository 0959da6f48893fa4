"""Writing the dependency graph (whole, or a neighbourhood) for other tools: Graphviz DOT,
GraphML (Gephi, yEd), Mermaid (Markdown viewers) and node-link JSON, each node coloured by its
legacy risk band."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path

import networkx as nx

from estate.files import atomic_write
from estate.graph import EstateGraph

BAND_COLOURS = {
    "Red-rated": "#d4351c",
    "High": "#f47738",
    "Medium": "#ffdd00",
    "Low": "#00703c",
    None: "#b1b4b6",
}
"""GOV.UK design system colours: red, orange, yellow, green; grey for unknown or placeholder."""

BLACK, WHITE = "#0b0c0c", "#ffffff"


def _luminance(colour: str) -> float:
    """A colour's relative luminance (WCAG 2), from "#rrggbb"."""
    channels = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """The WCAG 2 contrast ratio of two colours (1 to 21; 4.5 is enough for normal text)."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour(fill: str) -> str:
    """Black or white, whichever reads better on `fill`: white on the dark red and green."""
    return max((BLACK, WHITE), key=lambda colour: contrast(colour, fill))


class GraphFormat(StrEnum):
    """The formats the graph is written in."""

    DOT = "dot"
    GRAPHML = "graphml"
    MERMAID = "mermaid"
    JSON = "json"


def attributed(
    estate: EstateGraph, graph: nx.DiGraph, bands: Mapping[str, str | None]
) -> nx.DiGraph:
    """A copy of `graph` whose nodes carry name, department, band, colour and placeholder."""
    result = nx.DiGraph()
    for key in sorted(graph.nodes):
        node = estate.nodes[key]
        band = bands.get(key)
        result.add_node(
            key,
            name=node.name,
            department=node.department,
            band=band or ("placeholder" if node.placeholder else "unknown"),
            colour=BAND_COLOURS.get(band, BAND_COLOURS[None]),
            placeholder=node.placeholder,
        )
    for source, target in sorted(graph.edges):
        data = graph.edges[source, target]
        result.add_edge(
            source,
            target,
            kind=str(getattr(data.get("kind"), "value", data.get("kind") or "")),
            criticality=str(
                getattr(data.get("criticality"), "value", data.get("criticality") or "")
            ),
        )
    return result


def _quote(*lines: str) -> str:
    """A DOT string of these lines, each escaped, joined by DOT's own line break."""
    escaped = (line.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") for line in lines)
    return '"' + "\\n".join(escaped) + '"'


def to_dot(graph: nx.DiGraph) -> str:
    """Graphviz DOT: nodes filled with their band colour, in text that reads on it, labelled
    with key, name and band on lines of their own; placeholders dashed."""
    lines = [
        "digraph estate {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
    ]
    for key, data in graph.nodes(data=True):
        style = '"rounded,filled,dashed"' if data["placeholder"] else '"rounded,filled"'
        label = _quote(key, data["name"], data["band"])
        fill, font = _quote(data["colour"]), _quote(text_colour(data["colour"]))
        lines.append(
            f"  {_quote(key)} [label={label}, fillcolor={fill}, fontcolor={font}, style={style}];"
        )
    for source, target, data in graph.edges(data=True):
        lines.append(f"  {_quote(source)} -> {_quote(target)} [label={_quote(data['kind'])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


_MERMAID_ID = re.compile(r"[^A-Za-z0-9_]")


_MERMAID_ENTITIES = str.maketrans({"&": "#amp;", '"': "#quot;", "<": "#lt;", ">": "#gt;"})
"""Characters a Mermaid label would read as markup, written as its entity codes so a name
such as `Payments <legacy> & "Fraud"` shows as written."""


def to_mermaid(graph: nx.DiGraph) -> str:
    """A Mermaid flowchart, one class per band, for Markdown viewers."""
    ids = {key: "n" + _MERMAID_ID.sub("_", key) for key in graph.nodes}
    lines = ["flowchart LR"]
    for key, data in graph.nodes(data=True):
        label = (
            f"{key.translate(_MERMAID_ENTITIES)}<br/>{data['name'].translate(_MERMAID_ENTITIES)}"
        )
        lines.append(f'  {ids[key]}["{label}"]')
    for source, target, data in graph.edges(data=True):
        kind = data["kind"].replace("|", "/")
        lines.append(
            f"  {ids[source]} -->|{kind}| {ids[target]}"
            if kind
            else f"  {ids[source]} --> {ids[target]}"
        )
    classes = {data["band"] for _, data in graph.nodes(data=True)}
    for band in sorted(classes):
        colour = next(d["colour"] for _, d in graph.nodes(data=True) if d["band"] == band)
        name = _MERMAID_ID.sub("_", band)
        lines.append(f"  classDef {name} fill:{colour},stroke:{BLACK},color:{text_colour(colour)}")
        members = ",".join(ids[k] for k, d in graph.nodes(data=True) if d["band"] == band)
        lines.append(f"  class {members} {name}")
    return "\n".join(lines) + "\n"


def to_node_link(graph: nx.DiGraph) -> str:
    """networkx node-link JSON ("nodes" and "links")."""
    return json.dumps(nx.node_link_data(graph, edges="links"), indent=2, sort_keys=True) + "\n"


def to_graphml(graph: nx.DiGraph) -> str:
    """GraphML with the node and edge attributes typed."""
    return "\n".join(nx.generate_graphml(graph, prettyprint=True)) + "\n"


WRITERS: dict[GraphFormat, Callable[[nx.DiGraph], str]] = {
    GraphFormat.DOT: to_dot,
    GraphFormat.GRAPHML: to_graphml,
    GraphFormat.MERMAID: to_mermaid,
    GraphFormat.JSON: to_node_link,
}


def write_graph(graph: nx.DiGraph, fmt: GraphFormat, path: Path) -> None:
    """Write `graph` (as made by `attributed`) to `path` in `fmt`, atomically."""
    text = WRITERS[fmt](graph)

    def write(target: Path) -> None:
        target.write_text(text, encoding="utf-8")

    atomic_write(path, write)
