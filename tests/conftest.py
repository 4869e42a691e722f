from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

import rnnzip  # noqa: F401  (first, so that it pins the vector ISA before any test imports torch)

# The engine with every context and weight set (no network), on small tables (256 KiB): what most tests code with.
SMALL = dict(model="level-7-no-prior", cm_bits=18)
# Tiny networks of the byte-level engine (format 3) keep its tests fast; the coding path is the same as for the
# real presets.
TINY_NETWORK = dict(model="hybrid-6", hidden_size=16, embed_size=8, seq_length=8, batch_size=4, attention_window=4)
# ... with small context models and a match model, as in the hybrid presets
TINY_HYBRID = dict(TINY_NETWORK, context_order=4, table_bits=12, match_min=4)
# ... and the bitwise engine with a small table and the tiny network as one of its inputs
TINY_BITWISE = dict(TINY_NETWORK, model="cm-lstm", cm_bits=16)
# Level 9's network without the prior (the engine's own LSTM), tiny: 2 layers of 16 cells, windows of up to 6 bytes
TINY_CIFG = dict(model="level-9-no-prior", cm_bits=18, hidden_size=16, num_layers=2, seq_length=6)
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def sample(n: int) -> bytes:
    """The first n bytes of the bundled enwik5 sample."""
    return (resources.files("rnnzip") / "data" / "enwik5").read_bytes()[:n]


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus not present")
    return CORPUS
