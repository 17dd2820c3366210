"""Packing a call's rows for the store and reading them back, and the ids that
name a call and row."""

from __future__ import annotations

import json
import math
import uuid
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames

from regression_model import tuning
from regression_model.store.codec import (
    decode_inputs,
    encode_frame,
    encode_json_rows,
    frame_encoder,
    json_text,
    pack_call,
    pack_inputs,
    received_encoder,
    unpack_rows,
)
from regression_model.store.ids import new_row_ids, parse_row_id


def _as_json(value: Any) -> Any:
    """What a cell must read back as: an independent statement of the rule."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def test_frame_round_trip_keeps_every_kind_of_column() -> None:
    """Ints, floats with NaN and infinities, booleans, strings with gaps, pandas'
    nullable and categorical dtypes, dates and mixed objects all read back as the
    JSON values the caller sent; the caller's frame is unchanged."""
    frame = pd.DataFrame(
        {
            "small": [1, 2, 3],
            "huge": [2**62, -(2**62), 0],
            "area": [1710.5, math.nan, math.inf],
            "exact": [0.1, 1e300, -0.0],
            "flag": [True, False, True],
            "zone": ["RL", None, "RM"],
            "count": pd.array([1, None, 3], dtype="Int64"),
            "kind": pd.Categorical(["a", "b", "a"]),
            "mixed": [True, 1, "1"],
            "when": pd.to_datetime(["2008-01-01", "2009-06-30", None]),
        }
    )
    before = frame.copy()
    rows = decode_inputs(encode_frame(frame), [0, 1, 2])
    assert rows[0] == {
        "small": 1,
        "huge": 2**62,
        "area": 1710.5,
        "exact": 0.1,
        "flag": True,
        "zone": "RL",
        "count": 1,
        "kind": "a",
        "mixed": True,
        "when": repr(pd.Timestamp("2008-01-01")),
    }
    assert rows[1]["area"] is None and rows[1]["zone"] is None and rows[1]["count"] is None
    assert rows[1]["huge"] == -(2**62) and rows[1]["exact"] == 1e300
    assert rows[2]["area"] is None and rows[2]["when"] is None and rows[2]["mixed"] == "1"
    assert type(rows[1]["mixed"]) is int and type(rows[0]["small"]) is int
    pd.testing.assert_frame_equal(frame, before)


@given(
    data_frames(
        [
            column("whole", dtype=np.int64),
            column("real", dtype=np.float64),
            column("text", elements=st.one_of(st.none(), st.text(max_size=8)), dtype=object),
            column("yes", dtype=bool),
        ]
    )
)
def test_any_frame_reads_back_cell_for_cell(frame: pd.DataFrame) -> None:
    """Generated frames (any int64, any float including NaN and infinities, text with
    gaps, booleans) read back cell for cell as their JSON values, rows in order."""
    expected = [
        {name: _as_json(value) for name, value in row.items()}
        for row in frame.astype(object).to_dict("records")
    ]
    decoded = decode_inputs(encode_frame(frame), range(len(frame)))
    assert decoded == expected


def test_records_of_different_keys_round_trip() -> None:
    """Records keep their own keys; numpy scalars and NaN inside them become JSON."""
    records = [{"a": np.int64(3), "b": math.nan}, {"c": [1, math.inf], "d": {"e": "x"}}]
    blob = encode_json_rows([json_text(r) for r in records])
    assert decode_inputs(blob, [1, 0]) == [{"c": [1, None], "d": {"e": "x"}}, {"a": 3, "b": None}]


def test_calls_are_split_into_chunks_that_keep_row_numbers() -> None:
    """7 rows in chunks of 3: chunks start at rows 0, 3 and 6, and row 5 reads back
    with its own inputs, price, price range, errors and warnings."""
    frame = pd.DataFrame({"GrLivArea": [100 * i for i in range(7)]})
    prices = [float(i) if i != 5 else None for i in range(7)]
    ranges = [[i - 0.5, i + 0.25] if i != 5 else None for i in range(7)]
    errors = {5: [{"row": 5, "field": "GrLivArea", "message": "bad"}]}
    warnings = {4: [{"row": 4, "field": "Street", "message": "rare"}]}
    chunks = pack_call(
        lambda a, b: encode_frame(frame.iloc[a:b]), prices, errors, warnings, ranges, chunk_rows=3
    )
    assert [(c.first_row, c.n_rows) for c in chunks] == [(0, 3), (3, 3), (6, 1)]
    four, five = unpack_rows(chunks[1], [4, 5])
    assert five["inputs"] == {"GrLivArea": 500} and five["prediction"] is None
    assert five["errors"] == errors[5] and five["warnings"] is None
    assert five["interval"] is None and four["interval"] == [3.5, 4.25]
    assert four["prediction"] == 4.0 and four["warnings"] == warnings[4]
    (no_ranges,) = pack_call(lambda a, b: encode_frame(frame.iloc[a:b]), prices, {}, {})
    assert unpack_rows(no_ranges, [0])[0]["interval"] is None
    assert json.loads(chunks[1].errors or "{}") == {"5": errors[5]}


def test_row_ids_name_their_call_and_row() -> None:
    """Ids are distinct UUID v7s sharing the call's prefix, in time order, and parse
    back to (prefix, row); text that is no UUID v7 parses to None."""
    prefix, ids = new_row_ids(300)
    assert len(set(ids)) == 300 and ids == sorted(ids)
    assert all(uuid.UUID(i).version == 7 for i in ids[::50])
    assert parse_row_id(ids[299]) == (prefix, 299)
    assert parse_row_id(ids[7].upper()) == (prefix, 7)
    other_prefix, _ = new_row_ids(1)
    assert other_prefix != prefix
    millis = uuid.UUID(ids[0]).int >> 80
    assert abs(millis / 1000 - datetime.now().timestamp()) < 60
    for bad in ("not-an-id", str(uuid.uuid4()), ids[0][:-1]):
        assert parse_row_id(bad) is None


def test_prices_and_ranges_as_arrays_pack_as_the_lists_do() -> None:
    """Prices and ranges given as arrays (NaN where none) pack to the same bytes
    as the lists of the result (None where none)."""
    frame = pd.DataFrame({"GrLivArea": [100 * i for i in range(7)]})
    prices = [float(i) if i != 5 else None for i in range(7)]
    ranges = [[i - 0.5, i + 0.25] if i != 5 else None for i in range(7)]
    price_array = np.array([math.nan if p is None else p for p in prices])
    range_array = np.array([[math.nan, math.nan] if r is None else r for r in ranges])

    def encode(a: int, b: int) -> bytes:
        return encode_frame(frame.iloc[a:b])

    from_lists = pack_call(encode, prices, {}, {}, ranges, chunk_rows=3)
    from_arrays = pack_call(encode, price_array, {}, {}, range_array, chunk_rows=3)
    assert from_lists == from_arrays


@given(
    data_frames(
        [
            column("zone", elements=st.sampled_from(["RL", "RM", "NA", ""]) | st.none()),
            column("street", elements=st.sampled_from(["Pave", "Grvl"])),
            column("mixed", elements=st.sampled_from(["a", 1, None, 2.5])),
        ]
    )
)
def test_a_faster_factorize_packs_the_same_bytes(frame: pd.DataFrame) -> None:
    """encode_frame with the scoring's factorize_cells gives the bytes pandas.factorize
    gives, for object and text columns alike."""
    from regression_model.scoring.factorize import factorize_cells

    for variant in (frame, frame.astype({"zone": "str", "street": "str"})):
        assert encode_frame(variant, factorize_cells) == encode_frame(variant)


def test_chunks_packed_on_threads_equal_those_packed_in_turn(monkeypatch: Any) -> None:
    """Many chunks are packed on threads; the chunks are those packed one after
    another, in order."""

    frame = pd.DataFrame({"GrLivArea": range(50), "Street": ["Pave", "Grvl"] * 25})
    prices = [float(i) for i in range(50)]

    def encode(a: int, b: int) -> bytes:
        return encode_frame(frame.iloc[a:b])

    threaded = pack_call(encode, prices, {}, {}, chunk_rows=7)
    monkeypatch.setattr(tuning, "STORE_MOST_THREADS", 1)
    assert pack_call(encode, prices, {}, {}, chunk_rows=7) == threaded
    assert [c.first_row for c in threaded] == list(range(0, 50, 7))


def _ranges_frame(rows: int) -> pd.DataFrame:
    """Every kind of column a range packer handles: numbers, text of few values,
    text of more values than a range may share, all-missing stretches, mixed
    objects in one stretch only, a categorical."""
    many = [f"house {i}" for i in range(rows)]
    mixed: list[Any] = ["a", "b"] * (rows // 2)
    mixed[rows - 3] = 7  # mixed cells in the last range only
    zone: list[Any] = ["RL", "RM", None] * (rows // 3)
    zone[: rows // 4] = [None] * (rows // 4)  # a first range with no text at all
    return pd.DataFrame(
        {
            "GrLivArea": np.arange(rows) * 3,
            "LotFrontage": np.where(np.arange(rows) % 5 == 0, np.nan, 60.5),
            "MSZoning": pd.Series(zone, dtype=object),
            "Street": pd.Series(["Pave", "Grvl"] * (rows // 2), dtype="str"),
            "Name": pd.Series(many, dtype=object),
            "Mixed": pd.Series(mixed, dtype=object),
            "Kind": pd.Categorical(["a", "b", "c"] * (rows // 3)),
        }
    )


def test_a_range_packer_reads_back_each_range_as_packed_alone() -> None:
    """frame_encoder(frame)(start, stop) reads back exactly the rows of
    encode_frame(frame.iloc[start:stop]) for every range: columns of few values
    keep the whole frame's codes, a column of many values (more than a range may
    share) gives the very bytes of the range packed alone, and a range holding
    mixed objects keeps them cell by cell."""
    from regression_model.scoring.factorize import factorize_cells

    rows = 600
    frame = _ranges_frame(rows)
    before = frame.copy()
    assert frame["Name"].nunique() > tuning.STORE_SHARED_VALUES
    for factorize in (pd.factorize, factorize_cells):
        encode = frame_encoder(frame, factorize)
        for start, stop in [(0, 150), (150, 400), (400, rows), (0, rows), (rows, rows)]:
            alone = encode_frame(frame.iloc[start:stop], factorize)
            positions = range(stop - start)
            assert decode_inputs(encode(start, stop), positions) == decode_inputs(alone, positions)
            only_many = frame[["Name"]].iloc[start:stop]
            assert frame_encoder(frame[["Name"]], factorize)(start, stop) == encode_frame(
                only_many, factorize
            )
    assert encode(0, rows) == encode_frame(frame, factorize_cells)
    pd.testing.assert_frame_equal(frame, before)


def test_inputs_packed_apart_make_the_same_chunks() -> None:
    """pack_call given inputs packed beforehand by pack_inputs makes the chunks it
    makes when it packs them itself, and refuses packed inputs that do not fit
    its chunks."""
    frame = _ranges_frame(90)
    prices = np.linspace(1e5, 2e5, 90)
    encode = received_encoder(frame)
    itself = pack_call(encode, prices, {}, {}, chunk_rows=40)
    apart = pack_call(pack_inputs(encode, 90, chunk_rows=40), prices, {}, {}, chunk_rows=40)
    assert apart == itself and len(itself) == 3
    with pytest.raises(ValueError, match="2 packed inputs for 3 chunks"):
        pack_call(pack_inputs(encode, 90, chunk_rows=40)[:2], prices, {}, {}, chunk_rows=40)


@given(
    st.dictionaries(
        st.sampled_from(["GrLivArea", "Street", "LotFrontage", "x"]),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-(2**70), 2**70),
            st.floats(allow_nan=True, allow_infinity=True),
            st.text(max_size=5),
            st.lists(st.floats(allow_nan=True), max_size=2),
            st.sampled_from([np.int64(3), np.float64("nan"), np.str_("RL"), pd.NA]),
        ),
    )
)
def test_json_text_writes_each_cell_as_json_value_does(record: dict[str, Any]) -> None:
    """A record's JSON text is that of each cell through json_value: NaN,
    infinities and NA as null, numpy scalars unwrapped, nested lists converted."""
    from regression_model.store.codec import json_value

    expected = json.dumps({k: json_value(v) for k, v in record.items()}, allow_nan=False)
    assert json_text(record) == expected
