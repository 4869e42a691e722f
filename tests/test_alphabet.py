"""The alphabet coded at the start of a model frame's payload."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import sample
from rnnzip.bytelevel.alphabet import code_alphabet
from rnnzip.bytelevel.range_coder import Decoder, Encoder


def coded(alphabet: bytes) -> bytes:
    encoder = Encoder()
    values = np.frombuffer(alphabet, dtype=np.uint8)
    assert code_alphabet(encoder.code, values).tobytes() == alphabet
    return encoder.finish()


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(0, 255), min_size=1))
def test_every_alphabet_round_trips(values: set[int]) -> None:
    alphabet = bytes(sorted(values))
    assert code_alphabet(Decoder(coded(alphabet)).code).tobytes() == alphabet


def test_text_alphabets_cost_less_than_a_bitmap() -> None:
    # A 17-byte trimmed bitmap (offset, count, 15 map bytes) covers 0x0a..0x7e.
    english = bytes(sorted(set(b"\nThe quick brown fox jumps over the lazy dog; 1984, (A-Z).")))
    assert len(coded(english)) <= 12
    assert len(coded(bytes(sorted(set(sample(100_000)))))) < 31  # UTF-8 wiki text: its bitmap is 31
    assert len(coded(bytes(range(256)))) <= 4
