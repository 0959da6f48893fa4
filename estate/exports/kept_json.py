"""The json export written with its systems taken from the kept ranking's texts.

Each system stands in the json export's document exactly as in `rank --json`'s (an item of the
top-level object's `systems`, laid out by `json.dumps` with an indent of 2), so the kept
ranking's texts, which `rank --json` prints as they were laid out when the system was scored,
are copied in as bytes: the whole estate's systems are neither turned into dictionaries nor
laid out again, and never held at once (some 300 MB of text at 50,000 systems). The rest of
the document is laid out as the export lays it out, around them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, cast

from estate.ranking.text_formats import json_text

KeptJson = Callable[[BinaryIO], bool]
"""Writes `rank --json`'s document for the export's selection, in priority order, from the
kept ranking to the stream given, and says whether it could
(`estate.ranking.json_format.print_kept_ranking_json`)."""

_OPENING = b'"systems": [\n'
"""Where a `rank --json` document's systems begin (a key no string can hold: its newline
would be escaped)."""
_CLOSING = b"\n  ]\n}\n"
"""What follows a `rank --json` document's last system."""
_SYSTEM = b'\n    {\n      "rank": '
"""How a system begins in a `rank --json` document, after the line before it: its rank follows."""
_MARK = "systems from the kept ranking"


class _Systems:
    """A stream for `rank --json`'s document that passes on only its systems, as they stand
    between the brackets, and notes their ranks."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.started = False
        self.pending = b""
        """What came before the systems began, while looking for them."""
        self.held = b""
        """The last bytes written, held back: the document's closing, once it is all."""
        self.ranks: list[int] = []

    def write(self, data: bytes) -> int:
        """Take the next part of the document."""
        size = len(data)
        if not self.started:
            found = self.pending + data
            at = found.find(_OPENING)
            if at < 0:
                self.pending = found
                return size
            self.started, self.pending = True, b""
            data = found[at + len(_OPENING) :]
        self.ranks.extend(_ranks(data))
        chunk = self.held + data
        self.held = chunk[-len(_CLOSING) :]
        self.out.write(chunk[: -len(_CLOSING)])
        return size

    def flush(self) -> None:
        """Nothing is buffered but what is held back."""


def _ranks(data: bytes) -> list[int]:
    """The ranks of the systems that begin in `data`, a part of a `rank --json` document that
    begins at a line's start: found by searching for each system's opening, some twenty times
    quicker than a regular expression over the 300 MB of the whole estate's systems."""
    text = b"\n" + data
    ranks = []
    at = text.find(_SYSTEM)
    while at >= 0:
        start = at + len(_SYSTEM)
        end = text.find(b",", start)
        digits = text[start:end]
        if end > start and digits.isdigit():
            ranks.append(int(digits))
        at = text.find(_SYSTEM, start)
    return ranks


def write_kept_json(
    target: Path, document: dict[str, Any], ranks: list[int], kept: KeptJson
) -> bool:
    """Write the json export's `document` to `target` with its systems (of these `ranks`, in
    this order) from the kept ranking's texts (`kept`); False, with `target` to be written
    again, when the kept ranking could not give exactly those systems. What follows the
    systems (the data quality, the sustainability figures: tens of megabytes of text at
    50,000 systems) is laid out and written one member at a time, never whole."""
    names = list(document)
    at = names.index("systems") if "systems" in names else len(names)
    before = {name: document[name] for name in names[:at]}
    head, _rest = json_text({**before, "systems": [_MARK]}).split(f'    "{_MARK}"', 1)
    with target.open("wb") as out:
        out.write(head.encode())
        systems = _Systems(out)
        if not kept(cast(BinaryIO, systems)):
            return False
        if systems.held != _CLOSING or systems.ranks != ranks:
            return False
        out.write(b"\n  ]")
        for name in names[at + 1 :]:
            # One member laid out alone stands as it does in the whole document: one level in.
            member = json_text({name: document[name]})
            out.write(b",\n" + member[2:-3].encode())
        out.write(b"\n}\n")
    return True
