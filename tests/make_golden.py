"""Regenerate the golden files, on purpose only: `python tests/make_golden.py`.

A golden file pins the bitstream: if a change alters any byte that rnnzip writes for these
inputs, test_format fails, and either the change is a bug or the format version must change.
The `v3-*.rnz` files were written by rnnzip 0.1 (format 3) from the same inputs: they are never
regenerated, and must keep decoding.
"""

from __future__ import annotations

from pathlib import Path

import rnnzip
from conftest import TINY_BITWISE, TINY_CIFG, TINY_HYBRID, TINY_NETWORK, sample

DATA = Path(__file__).parent / "data"

# name -> (input, compress keyword arguments)
CASES = {
    "empty": (b"", {}),
    "stored": (bytes(range(256)), TINY_NETWORK),
    "tiny-lstm": (sample(1200), TINY_NETWORK),
    "tiny-gru-att": (sample(1200), {**TINY_NETWORK, "model": "gru-att"}),
    "tiny-hybrid": (sample(2500), TINY_HYBRID),
    "hybrid-1": (sample(1000), {"model": "hybrid-1"}),
    "bitwise": (sample(3000), {"level": 1}),
    "bitwise-lstm": (sample(2500), TINY_BITWISE),
    # every context of the engine, without a network: a frame that decodes on any machine
    "bitwise-all": (sample(3000), {"model": "level-7-no-prior", "cm_bits": 18}),
    # ... in 4 interleaved streams: pins the stream-local contexts and orders 0-1
    "bitwise-streams": (sample(3000), {"model": "level-7-no-prior", "cm_bits": 18, "batch_size": 4}),
    # ... with level 9's network, tiny: its float32 numbers, pinned
    "bitwise-cifg": (sample(3000), TINY_CIFG),
    # the default level: the network starts from the shipped prior (regenerated when the prior changes)
    "bitwise-prior": (sample(3000), {}),
    # levels 8-9: the prior's top layer and softmax learn (its first layer stays)
    "bitwise-prior-top": (sample(3000), {"level": 9, "cm_bits": 18}),
}
# format 3 golden file -> the case whose input it holds
V3_CASES = {
    "v3-empty": "empty", "v3-stored": "stored", "v3-tiny-lstm": "tiny-lstm", "v3-tiny-gru-att": "tiny-gru-att",
    "v3-tiny-hybrid": "tiny-hybrid", "v3-level-1": "hybrid-1",
}  # fmt: skip


def main() -> None:
    DATA.mkdir(exist_ok=True)
    for name, (data, kwargs) in CASES.items():
        (DATA / f"{name}.in").write_bytes(data)
        (DATA / f"{name}.rnz").write_bytes(rnnzip.compress(data, **kwargs))
        print(name, len(data), "->", (DATA / f"{name}.rnz").stat().st_size)


if __name__ == "__main__":
    main()
