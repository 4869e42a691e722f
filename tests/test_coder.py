"""The range coder adapter: its own end of the stream and trimmed payloads decode exactly."""

from __future__ import annotations

import constriction
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnzip.bytelevel.range_coder import Decoder, Encoder


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 600),
    st.integers(2, 40),
    st.sampled_from([0.05, 0.3, 3.0]),
    st.integers(1, 9),
)
def test_payload_decodes_and_is_never_longer_than_constrictions(
    seed: int, n: int, vocab: int, concentration: float, chunk: int
) -> None:
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.full(vocab, concentration), size=n)
    symbols = np.array([rng.choice(vocab, p=p) for p in probs], dtype=np.int32)
    encoder = Encoder()
    for i in range(0, n, chunk):
        encoder.code(symbols[i : i + chunk], probs[i : i + chunk])
    payload = encoder.finish()

    decoder = Decoder(payload)
    decoded = np.concatenate([decoder.code(symbols[i : i + chunk], probs[i : i + chunk]) for i in range(0, n, chunk)])
    assert np.array_equal(decoded, symbols)
    reference = constriction.stream.queue.RangeEncoder()
    reference.encode(symbols, constriction.stream.model.Categorical(perfect=False), probs)
    assert len(payload) <= 4 * reference.num_words()


def test_the_end_saves_bytes_on_average() -> None:
    rng = np.random.default_rng(0)
    saved = []
    for _ in range(200):
        probs = rng.dirichlet(np.ones(8), size=50)
        symbols = np.array([rng.choice(8, p=p) for p in probs], dtype=np.int32)
        encoder, reference = Encoder(), constriction.stream.queue.RangeEncoder()
        encoder.code(symbols, probs)
        reference.encode(symbols, constriction.stream.model.Categorical(perfect=False), probs)
        saved.append(4 * reference.num_words() - len(encoder.finish()))
    assert np.mean(saved) > 1.0
