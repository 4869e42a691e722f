"""What the engine's network costs per byte by its size, alone (one thread), and what its gates' matrix
products would cost in int16 with int32 sums instead of float32: the measurement behind the prior's size
(docs/MEASUREMENTS.md, "The prior"). The network as level 6 runs it: 2 layers, gates frozen, the softmax
learning over windows of 20 bytes. CPU microseconds per byte, best of 3, on 20 KB of enwik5.

    python benchmarks/network_cost.py [--sizes 128 192 256]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numba import njit

from rnnzip.bitwise import lstm

ENWIK5 = Path(__file__).resolve().parents[1] / "src" / "rnnzip" / "data" / "enwik5"


@njit(error_model="numpy")
def _level6(net, data):  # pragma: no cover (compiled)
    for i in range(data.size):
        lstm.lstm_next(net, data[i])


@njit(error_model="numpy")
def _forward(net, data):  # pragma: no cover
    for i in range(data.size):
        lstm.lstm_forward(net, 0, data[i])


@njit(error_model="numpy")
def _gates_float32(net, steps):  # pragma: no cover
    """The gates' products as lstm_forward computes them."""
    layers, hidden = net.h.shape
    z = net.inputs[0, 1]
    for _ in range(steps):
        for layer in range(layers):
            lstm._add_products(net.pre, net.weights[layer], z, (2 if layer > 0 else 1) * hidden, 3 * hidden)


@njit(error_model="numpy")
def _gates_int16(rows_q, x, sums, steps):  # pragma: no cover
    """The same products with int16 weights (a row per gate, contiguous over the inputs) and inputs:
    dot products in int32, which LLVM may sum in any order (integers: the same result)."""
    layers, gates, inputs = rows_q.shape
    for _ in range(steps):
        for layer in range(layers):
            width = inputs if layer > 0 else inputs // 2
            for j in range(gates):
                row, total = rows_q[layer, j], np.int32(0)
                for k in range(width):
                    total += np.int32(row[k]) * np.int32(x[k])
                sums[j] = total


def _cpu(function: Callable[..., object], *args: object) -> float:
    function(*args)  # compiles
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        function(*args)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[128, 192, 256])
    args = ap.parse_args()
    data = np.frombuffer(ENWIK5.read_bytes()[:20_000], dtype=np.uint8).astype(np.int64)
    steps = 20_000
    print("| cells | level 6's network | forward | gates float32 | gates int16 |")
    print("|---:|---:|---:|---:|---:|")
    for hidden in args.sizes:
        net = lstm.new_lstm(hidden, 2, 20, 1, 0.002, 0.002, 0.999, 10.0)
        net.counters[lstm.WINDOW] = net.counters[lstm.MAX_WINDOW]
        net.counters[lstm.FROZEN] = 2
        random = np.random.default_rng(1)
        rows_q = random.integers(-3000, 3000, (2, 3 * hidden, 2 * hidden)).astype(np.int16)
        x = random.integers(-4096, 4096, 2 * hidden).astype(np.int16)
        per_byte = [
            _cpu(_level6, net, data) / data.size,
            _cpu(_forward, net, data) / data.size,
            _cpu(_gates_float32, net, steps) / steps,
            _cpu(_gates_int16, rows_q, x, np.zeros(3 * hidden, dtype=np.int32), steps) / steps,
        ]
        print(f"| 2 x {hidden} | " + " | ".join(f"{v * 1e6:.1f} us" for v in per_byte) + " |", flush=True)


if __name__ == "__main__":
    main()
