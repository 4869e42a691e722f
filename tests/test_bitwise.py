"""The bitwise context-mixing engine: its tables, its coder's end, round trips of every kind of
input with and without the network, and corrupt payloads."""

from __future__ import annotations

import io
import random
import zlib

import numpy as np
import pytest

import rnnzip
from conftest import TINY_BITWISE, sample
from rnnzip.bitwise import charset, layout, registry, sizing
from rnnzip.bitwise.model import network_counts
from rnnzip.bitwise.tables import NEXT_STATE, SQUASH, STATE_COUNTS, STRETCH
from rnnzip.format import MODEL, read_header

ALONE = dict(model="level-1", cm_bits=22)  # the engine alone, with a smaller table
ALL_CONTEXTS = dict(model="level-7-no-prior", cm_bits=22)  # ... with every context and weight set (no network)


def test_squash_and_stretch_are_monotone_inverses() -> None:
    assert SQUASH.min() >= 1 and SQUASH.max() <= 4095 and (np.diff(SQUASH) >= 0).all()
    assert (np.diff(STRETCH) >= 0).all()
    p = np.arange(1, 4096)
    assert np.abs(SQUASH[STRETCH[p] + 2047] - p).max() <= 40  # inverse within the table's steps


def test_context_tables_describe_every_context() -> None:
    from rnnzip.contract import CM_SHARED_CONTEXTS

    assert registry.SHARED == CM_SHARED_CONTEXTS
    assert [c.id for c in registry.CONTEXTS] == list(range(registry.HASHED))  # a context's id is its slot
    assert sorted(registry.PRIORITY) == list(range(registry.SHARED))  # each shared context once
    assert all(c.priority == -1 for c in registry.CONTEXTS[registry.SHARED :])  # the stream-local ones
    # the stationary maps run with the full mixer, each while its context is in use (it reuses the context's
    # nibble hashes): a configuration with more contexts runs a longer prefix of them
    priority = list(registry.PRIORITY)
    for contexts in range(layout.FULL_MIXER_CONTEXTS, registry.SHARED + 1):
        running = [c in priority[:contexts] for c in registry.STATIONARY]
        assert running == sorted(running, reverse=True) and running[0]


def test_words_fold_the_case_of_2_byte_code_points() -> None:
    """The fold table comes from Python's Unicode database: it must stay what files were made with."""
    fold = charset.FOLD_2BYTE
    assert fold[ord("Ж")] == ord("ж") and fold[ord("Ё")] == ord("ё") and fold[ord("Σ")] == ord("σ")
    assert fold[ord("É")] == ord("é") and fold[ord("ж")] == ord("ж") and fold[ord("×")] == ord("×")
    assert zlib.crc32(fold.astype("<i8").tobytes()) == 0xA19F514A


def test_bit_histories_count_what_they_saw() -> None:
    used = STATE_COUNTS.sum(axis=1) > 0
    states = int(used.sum()) + 1  # with state 0, the empty slot
    assert NEXT_STATE[:states].max() < states and (NEXT_STATE[:states] > 0).all()  # never back to "empty"
    for s in range(states):
        n0, n1 = STATE_COUNTS[s]
        assert STATE_COUNTS[NEXT_STATE[s, 1], 1] >= min(n1 + 1, 1)  # a one is counted (up to the limits)
        assert STATE_COUNTS[NEXT_STATE[s, 0], 0] >= min(n0 + 1, 1)
    run = 0
    for _ in range(10):
        run = NEXT_STATE[run, 1]
    assert tuple(STATE_COUNTS[run]) == (0, 10)
    assert STATE_COUNTS[NEXT_STATE[run, 0], 1] < 10  # a zero after a run of ones forgets part of it


def test_network_counts_are_integers_with_a_floor() -> None:
    probs = np.array([[0.5, 0.5] + [0.0] * 254, [np.nan] * 256], dtype=np.float32)
    cum = network_counts(probs)
    assert cum.shape == (2, 257) and cum[:, 0].tolist() == [0, 0]
    counts = np.diff(cum, axis=1)
    assert counts[0, 0] == counts[0, 1] == 32769 and (counts[0, 2:] == 1).all()
    assert (counts[1] == 1).all()  # a row that is not a distribution counts as uniform


INPUTS = {
    "text": sample(6000),
    "russian": ("Фома Фомич Опискин. " * 150).encode(),
    "one byte": b"a" * 50_000,
    "long repeats": bytes(range(256)) * 40,
    "random": random.Random(7).randbytes(3000),
    "one": b"x",
}


@pytest.mark.parametrize("name", sorted(INPUTS))
@pytest.mark.parametrize("engine", ["alone", "alone, 5 streams", "all contexts", "with network"])
def test_round_trips(name: str, engine: str) -> None:
    data = INPUTS[name]
    engines = {"alone": ALONE, "alone, 5 streams": dict(ALONE, batch_size=5), "all contexts": ALL_CONTEXTS}
    kwargs = engines.get(engine, TINY_BITWISE)
    packed = rnnzip.compress(data, **kwargs)
    assert rnnzip.decompress(packed) == data
    if name in ("one byte", "long repeats"):
        assert len(packed) < len(data) / 50


def test_the_engine_alone_records_no_environment_and_codes_serially() -> None:
    packed = rnnzip.compress(sample(2000), **ALONE)
    header = read_header(io.BytesIO(packed))
    assert header.method == MODEL and header.environment is None
    assert header.config.network == "none" and header.config.batch_size == 1
    assert packed[5] == 2  # the method byte of a model frame without an environment


def test_it_beats_the_byte_level_hybrid_on_text() -> None:
    data = sample(20_000)
    assert len(rnnzip.compress(data, level=3)) < len(rnnzip.compress(data, model="hybrid-6"))


@pytest.mark.parametrize("kwargs", [ALONE, TINY_BITWISE], ids=["alone", "with network"])
def test_a_corrupt_payload_is_refused(kwargs: dict) -> None:
    packed = bytearray(rnnzip.compress(sample(3000), **kwargs))
    for offset in (len(packed) - 40, len(packed) - 3):
        corrupt = bytearray(packed)
        corrupt[offset] ^= 0x10
        with pytest.raises(rnnzip.BadRnnzipFile, match="corrupt"):
            rnnzip.decompress(bytes(corrupt))


@pytest.mark.parametrize("batch", [1, 3])
def test_dmc_graphs_restart_when_full(monkeypatch: pytest.MonkeyPatch, batch: int) -> None:
    data = sample(8000)
    kwargs = dict(ALL_CONTEXTS, batch_size=batch)
    roomy = rnnzip.compress(data, **kwargs)
    monkeypatch.setattr(sizing, "DMC_NODES", 600)  # room for a few hundred clones: many restarts
    packed = rnnzip.compress(data, **kwargs)
    assert packed != roomy
    assert rnnzip.decompress(packed) == data
