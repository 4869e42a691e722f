"""The side models on their own: counts, interpolated distributions, hashing, matches."""

from __future__ import annotations

import numpy as np
import pytest

from rnnzip.bytelevel.hybrid.context import ContextModels, word_letters
from rnnzip.bytelevel.hybrid.match import MatchModel


def feed(model, symbols: np.ndarray) -> list:
    """Step a model through rows of symbols (steps, B); collect its features before each step."""
    seen = []
    for row in symbols:
        seen.append(tuple(np.copy(a) for a in model.features()))
        model.update(row.astype(np.int32), len(row)) if isinstance(model, ContextModels) else model.update(row)
    return seen


def alphabet(vocab: int) -> np.ndarray:
    return np.arange(vocab, dtype=np.uint8)  # control bytes: no word letters


def test_context_distributions_are_normalised_and_learn() -> None:
    vocab = 5
    cm = ContextModels(orders=4, table_bits=10, alphabet=alphabet(vocab), batch=2)
    rows = np.array([[1, 2], [3, 2], [1, 2], [3, 2]] * 20)  # stream 0 alternates 1,3; stream 1 is all 2
    features = feed(cm, rows)
    probs, known = features[-1]
    assert probs.shape == (2, 5, vocab) and known.shape == (2,)
    np.testing.assert_allclose(probs.sum(axis=2), 1.0, rtol=1e-5)
    assert (probs > 0).all()
    # after many repetitions the high orders are confident; order 0 only knows the frequencies
    assert probs[0, 4, 3] > 0.9 and probs[1, 4, 2] > 0.9  # the last row is [3, 2]
    assert probs[0, 0, 1] < 0.5
    assert (known == 4).all()


def test_word_letters_fold_case_and_take_utf8_bytes() -> None:
    letters = word_letters(np.frombuffer(b" -0AZaz\xd0\xbf", dtype=np.uint8))
    assert list(letters) == [0, 0, 0, ord("a") + 1, ord("z") + 1, ord("a") + 1, ord("z") + 1, 0xD1, 0xC0]


def test_word_contexts_predict_a_word_seen_before() -> None:
    text = b"the cat sat. a dog ran. the cat sat. a dog ran. the cat sa"
    symbols = np.frombuffer(text, dtype=np.uint8)
    abc = np.unique(symbols)
    cm = ContextModels(orders=2, table_bits=12, alphabet=abc, batch=1, text=3)
    features = feed(cm, np.searchsorted(abc, symbols).reshape(-1, 1))
    probs, _ = features[-1]
    assert probs.shape == (1, 1 + 2 + 3, len(abc))
    np.testing.assert_allclose(probs.sum(axis=2), 1.0, rtol=1e-5)
    a = np.searchsorted(abc, ord("a"))  # the last symbol, predicted after "the cat s"
    # the current word "s" was followed by "a" both times; order 2 (" s") was too, order 1 less so
    assert probs[0, 3, a] > probs[0, 1, a] and probs[0, 3, a] > 0.8


def test_line_position_restarts_after_each_newline() -> None:
    text = np.frombuffer(b"ab\nabc\nabcd", dtype=np.uint8)
    abc = np.unique(text)
    cm = ContextModels(orders=1, table_bits=10, alphabet=abc, batch=2, text=3)
    positions = []
    a = np.searchsorted(abc, ord("a"))
    for symbol in np.searchsorted(abc, text):
        cm.update(np.array([symbol, a], dtype=np.int32), 2)  # stream 1: "a" forever, no newline
        positions.append(cm.line_columns.copy())
    assert [int(p[0]) for p in positions] == [1, 2, 0, 1, 2, 3, 0, 1, 2, 3, 4]
    assert int(positions[-1][1]) == len(text)


def test_counts_are_halved_not_overflowed() -> None:
    cm = ContextModels(orders=1, table_bits=10, alphabet=alphabet(2), batch=1)
    feed(cm, np.zeros((600, 1)))
    assert 0 < cm.table[0, 0] <= 255 and cm.table[0, 1] == 0


def test_hashed_rows_are_tagged_and_reset_on_collision() -> None:
    cm = ContextModels(orders=3, table_bits=10, alphabet=alphabet(256), batch=1)
    rng = np.random.default_rng(1)
    feed(cm, rng.integers(0, 256, (3000, 1)))
    hashed = cm.tags[cm.hashed_base :]
    assert (hashed[hashed != 0] & 1).all()  # every used hashed row carries an odd tag
    # a row's counts belong to one context only: no row has accumulated thousands of events
    assert cm.table[cm.hashed_base :].astype(int).sum(axis=1).max() < 50


def test_context_models_are_deterministic() -> None:
    rows = np.random.default_rng(2).integers(0, 7, (300, 3))
    a, b = (feed(ContextModels(5, 10, alphabet(7), 3, text=3), rows) for _ in range(2))
    assert all(np.array_equal(x, y) for fa, fb in zip(a, b, strict=True) for x, y in zip(fa, fb, strict=True))


def test_match_model_predicts_repeats_and_never_reads_ahead() -> None:
    steps, batch = 200, 2
    period = np.arange(20) % 7 + np.arange(20) // 7
    stream0 = np.tile(period, steps // 20)
    stream1 = np.random.default_rng(3).integers(0, 9, steps)
    mm = MatchModel(min_length=4, batch=batch, steps=steps)
    hits = 0
    for t in range(steps):
        expected, length = (np.copy(a) for a in mm.features())
        valid = mm.pointer >= 0
        assert (mm.pointer[valid] % steps <= t - 1).all() or t == 0  # only coded symbols
        if t >= 40:
            hits += expected[0] == stream0[t] and length[0] > 0
        mm.update(np.array([stream0[t], stream1[t]], dtype=np.int32))
    assert hits == steps - 40  # after two periods, stream 0 is always predicted


def test_background_update_hands_its_error_to_the_waiting_thread() -> None:
    from rnnzip.online import _Background

    def fail() -> None:
        raise RuntimeError("update failed")

    background = _Background()
    background.start(fail)
    with pytest.raises(RuntimeError, match="update failed"):
        background.wait()


def test_mixer_learns_to_trust_the_input_that_is_right() -> None:
    from rnnzip.bytelevel.hybrid.mixer import Mixer

    vocab, steps = 6, 300
    rng = np.random.default_rng(4)
    mixer = Mixer(np.array([0.2, 0.2]), sets=2, rows=4, final_rows=1, batch=1, vocab=vocab, rate=0.02, final_rate=0.002)
    selected, final_selected = np.array([[0, 2]]), np.array([0])
    right = []
    for _ in range(steps):
        y = int(rng.integers(vocab))
        sharp = np.full(vocab, np.log(0.02))
        sharp[y] = np.log(0.9)  # input 0 knows the symbol
        features = np.stack([sharp, np.full(vocab, np.log(1 / vocab))])[None].astype(np.float32)
        logits = mixer.logits_of(features, selected, final_selected)
        p = np.exp(logits - logits.max())
        p /= p.sum()
        right.append(p[0, y])
        mixer.learn(p.astype(np.float32), np.array([y], dtype=np.int32), 1)
    assert np.mean(right[-50:]) > np.mean(right[:50]) + 0.2
    assert mixer.weights[0, 0] > 0.5 and mixer.weights[2, 0] > 0.5  # both selected rows learned
    assert np.abs(mixer.calibration).sum() > 0  # the calibration stage learned too
