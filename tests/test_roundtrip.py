"""Every byte comes back: edge-case lengths and alphabets, several frames, streams, any bytes."""

from __future__ import annotations

import io
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnzip
from conftest import SMALL, sample
from rnnzip.format import MODEL, STORED, read_header
from rnnzip.streams import Layout


def roundtrip(data: bytes, **kw) -> bytes:
    packed = rnnzip.compress(data, **{**SMALL, **kw})
    assert rnnzip.decompress(packed) == data
    return packed


def first_method(packed: bytes) -> int:
    header = read_header(io.BytesIO(packed))
    assert header is not None
    return header.method


@pytest.mark.parametrize(
    "data",
    [b"", b"x", b"ab", bytes(range(256)), b"\x00" * 1000, b"abc" * 333],
    ids=["empty", "one", "two", "all-256", "zeros", "repeat"],
)
def test_edge_inputs(data: bytes) -> None:
    roundtrip(data)


def test_random_bytes_are_stored_with_small_overhead() -> None:
    data = os.urandom(5000)
    packed = roundtrip(data)
    assert first_method(packed) == STORED
    assert len(packed) <= len(data) + 32


def test_text_uses_the_model_and_compresses() -> None:
    data = sample(6000)
    packed = roundtrip(data)
    assert first_method(packed) == MODEL
    assert len(packed) < 0.75 * len(data)


def test_russian_utf8() -> None:
    data = ("Село Степанчиково и его обитатели. Фома Фомич Опискин. " * 40).encode()
    packed = roundtrip(data)
    assert len(packed) < len(data) / 2


@pytest.mark.parametrize("n", [1, 3, 5, 7, 9, 101, 1023])
def test_lengths_not_multiple_of_batch_and_more_streams_than_bytes(n: int) -> None:
    roundtrip(sample(n), batch_size=8)


def test_default_preset_round_trips() -> None:
    data = sample(2000)
    packed = rnnzip.compress(data)
    assert rnnzip.decompress(packed) == data


def test_several_frames_and_concatenation() -> None:
    a, b = sample(900), sample(2000)[900:]
    packed_a = rnnzip.compress(a, block_size=400, **SMALL)
    packed_b = rnnzip.compress(b, **SMALL)
    assert rnnzip.decompress(packed_a + packed_b) == a + b


ENGINES = {
    "network": dict(model="lstm"),
    "hybrid": dict(model="hybrid-6", context_order=3, table_bits=10, match_min=3),
    "bitwise with network": dict(model="cm-lstm", cm_bits=16),
    "bitwise alone": dict(model="level-1", cm_bits=16),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300), st.integers(1, 9), st.sampled_from(sorted(ENGINES)))
def test_property_any_bytes(data: bytes, batch: int, engine: str) -> None:
    tiny = dict(hidden_size=8, embed_size=4, seq_length=4, batch_size=batch)
    packed = rnnzip.compress(data, **tiny, **ENGINES[engine])
    assert rnnzip.decompress(packed) == data


@given(st.integers(1, 10**7), st.integers(1, 4096))
def test_layout_is_reproducible_from_its_batch(length: int, batch: int) -> None:
    layout = Layout.of(length, batch)
    assert Layout.of(length, layout.batch) == layout
    assert layout.batch <= batch and layout.batch * layout.steps >= length
    assert layout.active(layout.steps - 1) >= 1 and (layout.batch - 1) * layout.steps < length
