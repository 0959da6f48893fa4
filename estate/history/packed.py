"""What a period keeps beside its figures by system (the trend's outcomes, the changes'
verdicts): rows as MessagePack, compressed, as text a JSON column holds."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

Rows = TypeVar("Rows")


def packed_rows(encode: Callable[[Any], bytes], rows: Any) -> str:
    """`rows` encoded by `encode` (a MessagePack encoder), compressed, as ASCII text."""
    return base64.b64encode(zlib.compress(encode(rows))).decode("ascii")


def unpacked_rows(decode: Callable[[bytes], Rows], text: object) -> Rows | None:
    """The rows `packed_rows` kept, decoded by `decode`; None when there are none or they
    cannot be read (they are only a cache: what they stand for is worked out again)."""
    if not isinstance(text, str):
        return None
    try:
        return decode(zlib.decompress(base64.b64decode(text, validate=True)))
    except (ValueError, zlib.error, msgspec.DecodeError):
        return None
