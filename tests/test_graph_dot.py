"""The DOT export as Graphviz draws it: each label's key, name and band on lines of their own,
in a text colour that reads on the band's fill."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape

import pytest

from estate.graph import EstateGraph, Node
from estate.graph.export import BAND_COLOURS, attributed, contrast, text_colour, to_dot


def _graph() -> str:
    estate = EstateGraph()
    names = {
        "CTS/CTS-00001": "Records Scheduler",
        "CTS/CTS-00002": 'Case "Hub" \\ Legacy',
        "DBP/DBP-00001": "Payments Gateway",
        "DBP/DBP-00002": "Benefit Ledger",
        "HMX/HMX-00001": "Customs Portal",
    }
    for key, name in names.items():
        estate.nodes[key] = Node(key, key.split("/")[0], name)
        estate.graph.add_node(key)
    estate.nodes["ZZZ/GHOST"] = Node("ZZZ/GHOST", "ZZZ", "GHOST", placeholder=True)
    estate.graph.add_edge("CTS/CTS-00001", "ZZZ/GHOST", kind=None)
    estate.graph.add_edge("CTS/CTS-00001", "DBP/DBP-00001", kind="API")
    bands = {
        "CTS/CTS-00001": "Red-rated",
        "CTS/CTS-00002": "High",
        "DBP/DBP-00001": "Medium",
        "DBP/DBP-00002": "Low",
    }
    return to_dot(attributed(estate, estate.graph, bands))


@pytest.mark.parametrize("band", list(BAND_COLOURS))
def test_every_band_fill_has_text_that_reads_on_it(band: str | None) -> None:
    fill = BAND_COLOURS[band]
    assert contrast(text_colour(fill), fill) >= 4.5, band


def test_dark_fills_get_white_text_and_light_fills_black() -> None:
    assert text_colour(BAND_COLOURS["Red-rated"]) == "#ffffff"
    assert text_colour(BAND_COLOURS["Low"]) == "#ffffff"
    assert text_colour(BAND_COLOURS["Medium"]) == "#0b0c0c"


def test_dot_labels_break_lines_with_graphviz_escape() -> None:
    text = _graph()
    assert '[label="CTS/CTS-00001\\nRecords Scheduler\\nRed-rated"' in text
    assert "\\\\n" not in text, "no doubled backslash before n: Graphviz would draw it"
    assert 'fontcolor="#ffffff"' in text


def test_graphviz_draws_each_label_line_apart_in_readable_colours() -> None:
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz is not installed (apt-get install graphviz); the DOT is not drawn")
    svg = subprocess.run(
        [dot, "-Tsvg"], input=_graph(), capture_output=True, text=True, check=True, timeout=60
    ).stdout
    nodes: dict[str, tuple[str | None, list[tuple[str | None, str]]]] = {}
    for title, body in re.findall(
        r'<g id="node\d+" class="node">\s*<title>([^<]*)</title>(.*?)</g>', svg, re.DOTALL
    ):
        box = re.search(r'<path fill="(#[0-9a-f]{6})"', body)
        texts = [
            (found.group(1) if (found := re.search(r'fill="(#[0-9a-f]{6})"', attrs)) else None, t)
            for attrs, t in re.findall(r"<text([^>]*)>([^<]*)</text>", body)
        ]
        nodes[unescape(title)] = (box.group(1) if box else None, texts)
    fill, texts = nodes["CTS/CTS-00001"]
    assert [unescape(t) for _, t in texts] == ["CTS/CTS-00001", "Records Scheduler", "Red-rated"]
    assert fill == BAND_COLOURS["Red-rated"]
    assert all(colour == "#ffffff" for colour, _ in texts)
    assert [unescape(t) for _, t in nodes["CTS/CTS-00002"][1]] == [
        "CTS/CTS-00002",
        'Case "Hub" \\ Legacy',
        "High",
    ]
    for key, (fill, texts) in nodes.items():
        assert fill is not None, key
        assert "\\n" not in "".join(t for _, t in texts), f"{key} drawn with a literal \\n"
        for colour, _ in texts:
            assert contrast(colour or "#000000", fill) >= 4.5, key
