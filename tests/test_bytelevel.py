"""The byte-level engine of format 3 (networks alone, the hybrid, the reference presets): every
byte comes back."""

from __future__ import annotations

import pytest

import rnnzip
from conftest import TINY_HYBRID, TINY_NETWORK, sample
from rnnzip.contract import NETWORKS


def roundtrip(data: bytes, **kw) -> bytes:
    packed = rnnzip.compress(data, **{**TINY_NETWORK, **kw})
    assert rnnzip.decompress(packed) == data
    return packed


@pytest.mark.parametrize(
    "data", [b"x", bytes(range(256)), b"abc" * 333, sample(4000)], ids=["one", "all-256", "repeat", "text"]
)
def test_edge_inputs(data: bytes) -> None:
    roundtrip(data)


@pytest.mark.parametrize("network", sorted(n for n, net in NETWORKS.items() if net.stateful and net.torch))
def test_every_stateful_network(network: str) -> None:
    roundtrip(sample(1500), model=network)


@pytest.mark.parametrize("network", ["lstm", "gru-att"])
@pytest.mark.parametrize(
    "data",
    [sample(3000), ("Фома Фомич " * 200).encode(), b"ab" * 700 + bytes(range(256))],
    ids=["text", "russian", "repeats"],
)
def test_hybrid_side_models(network: str, data: bytes) -> None:
    roundtrip(data, model=network, **{k: v for k, v in TINY_HYBRID.items() if k not in TINY_NETWORK})


def test_hybrid_beats_network_alone() -> None:
    data = sample(8000)
    alone = len(rnnzip.compress(data, **TINY_NETWORK, context_order=0, match_min=0))
    hybrid = len(rnnzip.compress(data, **TINY_HYBRID))
    assert hybrid < 0.9 * alone


@pytest.mark.parametrize("preset", ["seed-gru-att", "seed-lstm-att"])
def test_reference_presets_shrunk(preset: str) -> None:
    # The reference design's loop (window re-run, one update per step) at toy size.
    roundtrip(sample(300), model=preset, hidden_size=16, embed_size=8, num_layers=2, batch_size=8)
