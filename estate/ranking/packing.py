"""How the kept ranking's texts are stored compactly: each system's row's words, explanation
(compact JSON, the items the ranking's fragments hold marked: `estate.ranking.fragments`) and
kept facts are compressed together with Zstandard and a dictionary trained on the estate's own
texts when the whole estate is scored, and kept with the ranking.

One system's explanation is some 4 KB of compact JSON, most of it the framework's words that
every system repeats; compressed alone without a dictionary it keeps most of them, while a
dictionary trained on a sample of the estate's texts holds those words once, so each system
keeps little more than what is its own (about 170 bytes at 10,000 and 50,000 systems, words and
facts included). A text is unpacked in a few microseconds, so `rank --json` lays out the whole
estate from them at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import msgspec
import zstandard

DICTIONARY_SIZE = 256 * 1024
"""The trained dictionary's size in bytes: at 10,000 systems a text keeps 178 bytes with 256 KB
(at level 15), 186 with 128 KB and 201 with 64 KB."""
SAMPLES = 2000
"""Texts the dictionary is trained on at most, spread evenly over the ranking: training takes
a few tenths of a second whatever the estate's size."""
MIN_SAMPLES = 64
"""Below this many texts no dictionary is trained (a small estate gains little, and Zstandard
cannot train on too little); the texts are compressed without one."""
LEVEL = 15
"""Zstandard's compression level: with the dictionary above as fast as 9 (about 40
microseconds a text) and 16% smaller; 19 keeps 3% less at twenty-five times the cost, and
3 keeps 60% more."""


WORDS = (
    "name",
    "criticality",
    "hosting",
    "business_owner",
    "headline",
    "disposition_reason",
    "top_reason",
    "sign_in",
)
"""The ranked row's fields kept inside its compressed texts rather than as columns of their own:
words the explanation also holds (so compressed with it they cost a few bytes), which no query
chooses, sorts or counts by."""

_ENCODE_TEXTS = msgspec.msgpack.Encoder().encode
_DECODE_TEXTS = msgspec.msgpack.Decoder(list[Any]).decode
_DECODE_WORDS = msgspec.msgpack.Decoder(
    tuple[(*(Any,) * len(WORDS), msgspec.Raw, msgspec.Raw, msgspec.Raw)]  # type: ignore[misc]
).decode
"""The `WORDS` of a system's texts, the rest left undecoded (its explanation, some 4 KB, not
copied): what reading the ranked rows of the whole estate needs."""


def samples_of(count: int) -> range:
    """Which of `count` texts (by their place) a dictionary is trained on."""
    return range(0, count, max(1, count // SAMPLES))


def train(samples: Sequence[bytes]) -> bytes | None:
    """A dictionary trained on `samples`, or None when there are too few to train one."""
    if len(samples) < MIN_SAMPLES:
        return None
    try:
        trained = zstandard.train_dictionary(DICTIONARY_SIZE, list(samples), level=LEVEL)
    except zstandard.ZstdError:  # too little to learn from
        return None
    found: bytes = trained.as_bytes()
    return found


class Packer:
    """Compresses and decompresses the kept texts with one dictionary (or none)."""

    def __init__(self, dictionary: bytes | None) -> None:
        data = None if dictionary is None else zstandard.ZstdCompressionDict(dictionary)
        self.dictionary = dictionary
        self._compressor = zstandard.ZstdCompressor(
            level=LEVEL, dict_data=data, write_checksum=False, write_dict_id=False
        )
        self._decompressor = zstandard.ZstdDecompressor(dict_data=data)

    def pack(self, text: bytes) -> bytes:
        """`text` compressed."""
        packed: bytes = self._compressor.compress(text)
        return packed

    def pack_many(self, texts: Sequence[bytes]) -> list[bytes]:
        """Each of `texts` compressed, byte for byte as `pack` compresses it: on every core at
        once where Zstandard's C backend offers it (`multi_compress_to_buffer`), else one
        after another."""
        if len(texts) > 1:
            try:
                packed = self._compressor.multi_compress_to_buffer(list(texts), threads=-1)
            except (AttributeError, NotImplementedError):  # the CFFI backend has none
                pass
            else:
                return [packed[at].tobytes() for at in range(len(packed))]
        return list(map(self.pack, texts))

    def unpack(self, packed: bytes) -> bytes:
        """The text `pack` compressed."""
        text: bytes = self._decompressor.decompress(packed)
        return text


class Texts(NamedTuple):
    """What one system keeps compressed."""

    words: list[Any]
    """Its ranked row's `WORDS`, in order."""
    explanation: bytes | None
    """Its explanation with the items the ranking's fragments hold marked
    (`estate.ranking.fragments.Fragments.mark`); None when kept without one."""
    fragments: list[int]
    """The numbers of those fragments, in order."""
    kept: bytes | None
    """What bringing the ranking up to date reads of it (`KeptFacts` as MessagePack); None
    when kept without an explanation."""


def texts_of(
    words: Sequence[Any],
    explanation: tuple[bytes, list[int]] | None = None,
    kept: bytes | None = None,
) -> bytes:
    """A system's kept texts before compressing, as one MessagePack array: its `WORDS`, its
    marked explanation and fragments' numbers, and its kept facts, so that one compressed text
    holds the words, the explanation that repeats them and the facts that name its
    dependencies."""
    marked, numbers = explanation if explanation is not None else (None, [])
    return _ENCODE_TEXTS([*words, marked, numbers, kept])


def read_texts(texts: bytes) -> Texts:
    """What `texts_of` put together."""
    values = _DECODE_TEXTS(texts)
    return Texts(values[:-3], values[-3], values[-2], values[-1])


def words_of(texts: bytes) -> list[Any]:
    """The `WORDS` of what `texts_of` put together (`read_texts`, for reading many)."""
    return list(_DECODE_WORDS(texts)[:-3])


def explanation_of(texts: bytes) -> tuple[bytes, list[int]]:
    """The marked explanation and fragments' numbers of what `texts_of` put together, which
    holds one (`read_texts`, for reading many)."""
    values = _DECODE_TEXTS(texts)
    if values[-3] is None:
        raise ValueError("kept without an explanation")
    return values[-3], values[-2]
