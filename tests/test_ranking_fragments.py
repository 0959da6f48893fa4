"""The kept ranking kept compactly: explanations cut around the items of their lists, the items
many systems share kept once and put back byte for byte, and the columns kept as small
integers read back as the words they stand for."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from estate import db, models
from estate.enums import Disposition
from estate.jsonable import jsonable
from estate.ranking import snapshot
from estate.ranking.explanations import ExplanationWriter, explanation
from estate.ranking.fragments import MARK, Fragments, cut
from estate.ranking.packing import Packer, samples_of, train
from estate.ranking.snapshot import basis_code, day_number, day_of, kept_systems, ranked_rows
from estate.scoring import score_estate
from estate.scoring.policy import load_policy
from estate.scoring.results import Band, Readiness, SystemScore
from tests.conftest import Run, scored_estate

AS_OF = dt.date(2026, 11, 1)


def _explanations(demo_db: Path) -> list[bytes]:
    return [explanation(score) for score in scored_estate(demo_db, AS_OF).systems]


def test_every_explanation_of_an_estate_is_cut_and_put_back_byte_for_byte(
    demo_db: Path,
) -> None:
    texts = _explanations(demo_db)
    cuts = [cut(text) for text in texts]
    assert all(items for _marked, items in cuts), "every explanation has criteria to cut"
    fragments = Fragments.shared(cuts)
    assert fragments.items, "systems share criteria, gaps and reasons"
    kept = Fragments.from_bytes(fragments.to_bytes())
    assert kept.items == fragments.items
    for text, pieces in zip(texts, cuts, strict=True):
        marked, numbers = kept.mark(pieces)
        assert kept.join(marked, numbers) == text
        assert len(marked) < len(text) or not numbers
    shared = sum(len(kept.mark(pieces)[1]) for pieces in cuts)
    items = sum(len(items) for _marked, items in cuts)
    assert shared > items / 2, "most items are shared"


def test_an_item_shared_once_stays_in_its_own_text_and_an_empty_table_marks_nothing(
    demo_db: Path,
) -> None:
    texts = _explanations(demo_db)
    first = cut(texts[0])
    fragments = Fragments.shared([first, first])
    assert fragments.items == list(dict.fromkeys(first[1]))
    other = texts[-1]
    marked, numbers = fragments.mark(cut(other))
    assert fragments.join(marked, numbers) == other
    assert Fragments().mark(cut(other)) == (other, [])
    assert Fragments.from_bytes(None).items == [] and Fragments().to_bytes() is None


_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)


@functools.cache
def _scored(demo_db: Path) -> list[SystemScore]:
    return scored_estate(demo_db, AS_OF).systems


def test_an_estate_written_cut_is_its_explanations_cut_with_each_item_held_once(
    demo_db_master: Path,
) -> None:
    systems = _scored(demo_db_master)
    writer = ExplanationWriter()
    written = [writer.cut(score) for score in systems]
    assert written == [cut(explanation(score)) for score in systems]
    held: dict[bytes, bytes] = {}
    for _marked, items in written:
        for item in items:
            assert held.setdefault(item, item) is item, "an item equal to another is it"


@given(
    name=st.sampled_from(["\0item\0", 'x"\0item\0', "%s", "\0", "é\u2028"]),
    evidence=_TEXT,
    value=st.one_of(st.none(), st.integers(0, 6), st.sampled_from([1e16, 1e-05, 2.5])),
    cost=st.one_of(st.none(), st.sampled_from([1e16, 0.00001, 12.5, 3.0])),
    priority=st.one_of(
        st.sampled_from([1e16, 1e-05, 0.0, -0.0, 71.6, 1e-4, 9999999999999998.0]),
        st.floats(allow_nan=False, allow_infinity=False),  # JSON has no word for the others
    ),
)
def test_a_system_with_any_words_or_numbers_is_written_cut_as_cutting_its_explanation(
    demo_db_master: Path,
    name: str,
    evidence: str,
    value: float | None,
    cost: float | None,
    priority: float,
) -> None:
    # Its own words reading as a stand-in, floats JSON's encoders write apart, any text.
    first, second = _scored(demo_db_master)[:2]
    score = copy.copy(first)
    legacy = score.legacy
    criterion = legacy.likelihood[0]._replace(evidence=evidence, value=value)  # type: ignore[arg-type]  # a float too
    reasons, headline = score._words()
    score.__dict__.update(
        name=name,
        legacy=dataclasses.replace(legacy, likelihood=(criterion, *legacy.likelihood[1:])),
        _laid_out=((evidence, *reasons), headline),
        record=score.record._replace(annual_run_cost=cost),
        priority=priority,
    )
    writer = ExplanationWriter()
    writer.cut(second)  # the items it shares with the first are taken as encoded
    assert writer.cut(score) == cut(explanation(score))


@st.composite
def _documents(draw: st.DrawFn) -> dict[str, Any]:
    """Explanations of the JSON schema's shape with any text in their words and items: quotes,
    backslashes, per cent signs, NUL and other control characters, keys' names as values."""

    def criterion() -> dict[str, Any]:
        return {
            "code": draw(st.sampled_from(["L1", "C6", '"reasons":['])),
            "value": draw(st.one_of(st.none(), st.integers(0, 6), st.floats(allow_nan=False))),
            "evidence": draw(_TEXT),
        }

    def items(make: Any) -> list[Any]:
        return [make() for _ in range(draw(st.integers(0, 3)))]

    return {
        "rank": 1,
        "key": draw(_TEXT),
        "name": draw(st.sampled_from(['"reasons":[', "%s", "%%", "\0", "x"])),
        "reasons": items(lambda: draw(_TEXT)),
        "legacy": {
            "overall": draw(st.floats(allow_nan=False, allow_infinity=False)),
            "likelihood": items(criterion),
            "impact": items(criterion),
            "contradictions": items(lambda: draw(_TEXT)),
        },
        "cloud": {"reasons": items(lambda: {"text": draw(_TEXT), "penalty": 5})},
        "security_gaps": items(lambda: {"principle": draw(_TEXT)}),
        "unmatched_components": items(lambda: draw(_TEXT)),
        "contract_end": draw(_TEXT),
    }


@given(st.lists(_documents(), min_size=1, max_size=4))
def test_any_text_is_cut_and_put_back_byte_for_byte(documents: list[dict[str, Any]]) -> None:
    lead = b'{"rank":1,'
    texts = [
        json.dumps(d, ensure_ascii=False, separators=(",", ":"), default=jsonable).encode()
        for d in documents
    ]
    assert all(text.startswith(lead) for text in texts)
    texts = [text[len(lead) :] for text in texts]
    fragments = Fragments.shared([cut(text) for text in texts] * 2)
    for text in texts:
        assert MARK not in text
        marked, numbers = fragments.mark(cut(text))
        assert fragments.join(marked, numbers) == text


def test_a_text_not_of_the_schemas_shape_is_kept_whole() -> None:
    item = b'"x"'
    for text in (b'"key":"x"}', b"not json", b'"reasons":[' + item + b"]}", b'"a":"\0"}'):
        assert cut(text) == (text, [])
        assert Fragments([item]).mark(cut(text)) == (text, [])


def test_digests_and_dates_are_kept_as_integers() -> None:
    assert basis_code("ff" * 16) == -1
    assert basis_code("7f" + "ff" * 15) == 2**63 - 1
    assert basis_code("00" * 7 + "2a" + "ab" * 8) == 42
    for day in (dt.date.min, dt.date(2026, 11, 1), dt.date.max):
        assert day_of(day_number(day)) == day
    assert day_number(dt.date(2026, 11, 1)) < day_number(dt.date(2026, 11, 2))
    assert day_of(None) is None


def test_the_coded_columns_hold_every_value_of_their_enums() -> None:
    assert tuple(b.value for b in Band) == models.BANDS
    assert tuple(r.value for r in Readiness) == models.READINESS
    table = models.table_of(models.RankingSnapshotRow)
    for name, values in (
        ("band", models.BANDS),
        ("readiness", models.READINESS),
        ("disposition", tuple(d.value for d in Disposition)),
    ):
        coded = table.c[name].type
        assert isinstance(coded, models.Coded) and coded.values == values


def test_the_kept_ranking_stores_words_as_small_integers_and_reads_them_back(
    demo_db: Path, run: Run
) -> None:
    day = ("--as-of", AS_OF.isoformat())
    assert run("--db", demo_db, "rank", "--top", "1", *day).exit_code == 0
    with closing(sqlite3.connect(demo_db)) as raw:
        stored = raw.execute(
            "SELECT DISTINCT typeof(band), typeof(readiness), typeof(basis), typeof(valid_from) "
            "FROM ranking_snapshot_row WHERE band IS NOT NULL"
        ).fetchall()
    assert stored == [("integer", "integer", "integer", "integer")]
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            scores = score_estate(connection, load_policy(as_of=AS_OF))
            rows = ranked_rows(scores)
            kept = models.table_of(models.RankingSnapshotRow).c
            rows_kept = connection.execute(
                sa.select(kept.key, kept.band, kept.readiness, kept.disposition)
            ).all()
            red = connection.execute(
                sa.select(sa.func.count()).where(kept.band == Band.RED.value)
            ).scalar_one()
    finally:
        engine.dispose()
    fresh = {row.key: (row.band, row.readiness, row.disposition) for row in rows}
    assert {key: (band, ready, how) for key, band, ready, how in rows_kept} == fresh
    assert red == sum(1 for row in rows if row.band == Band.RED.value) > 0


class _OneByOne:
    """A compressor that compresses one text at a time, as Zstandard's CFFI backend does."""

    def __init__(self, compressor: Any) -> None:
        self.compress = compressor.compress


def test_texts_compressed_together_are_those_compressed_one_by_one(
    demo_db_master: Path,
) -> None:
    texts = [explanation(score) for score in _scored(demo_db_master)]
    packer = Packer(train([texts[place] for place in samples_of(len(texts))]))
    assert packer.dictionary is not None, "enough texts to train a dictionary on"
    one_by_one = [packer.pack(text) for text in texts]
    assert packer.pack_many(texts) == one_by_one
    assert [packer.unpack(packed) for packed in packer.pack_many(texts)] == texts
    assert packer.pack_many(texts[:1]) == one_by_one[:1] and packer.pack_many([]) == []
    packer._compressor = _OneByOne(packer._compressor)  # type: ignore[assignment]
    assert packer.pack_many(texts) == one_by_one


def test_a_ranking_kept_in_many_batches_is_the_ranking_kept_in_one(
    demo_db_master: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scores = scored_estate(demo_db_master, AS_OF)
    rows = ranked_rows(scores)
    whole = kept_systems(scores, rows)
    assert len(rows) < snapshot.PACKED_AT_ONCE
    monkeypatch.setattr(snapshot, "PACKED_AT_ONCE", 10)
    assert len(rows) % 10, "a last batch shorter than the others"
    batched = kept_systems(scores, rows)
    assert batched.systems == whole.systems and batched.dictionary == whole.dictionary
    assert batched.fragments.items == whole.fragments.items
