"""The binary arithmetic coder (32-bit, carryless, as lpaq1's): P(1) in 16 bits narrows
[low, high]; equal leading bytes are shifted out.

Written here rather than taken from a library because it runs per bit inside the compiled loop:
a library call per bit from Python would cost 8 calls per byte. Its state lives in a small
int64 array: low, high, x (the decoder's window), position in the output, and a sink (kernel).
"""

from __future__ import annotations

import numpy as np
from numba import njit

LOW, HIGH, X, POSITION, SINK = range(5)


def new_coder() -> np.ndarray:
    return np.array([0, 0xFFFFFFFF, 0, 0, 0], dtype=np.int64)


@njit(cache=True, inline="always")
def code_bit(encode, low, high, x, pos, p16, bit_value, out, limit):  # pragma: no cover (compiled)
    """Code one bit with P(1) = p16 / 65536: the encoder writes `bit_value`, the decoder reads the
    bit. Returns (low, high, x, pos, the bit, False when the encoder's output reached `limit`)."""
    span = high - low
    mid = low + (span >> 16) * p16 + (((span & 0xFFFF) * p16) >> 16)
    y = bit_value if encode else (1 if x <= mid else 0)
    if y:
        high = mid
    else:
        low = mid + 1
    while ((low ^ high) & 0xFF000000) == 0:
        if encode:
            if pos >= limit:
                return low, high, x, pos, y, False
            out[pos] = (high >> 24) & 255
        else:
            x = ((x << 8) & 0xFFFFFFFF) | (out[pos] if pos < out.size else 0)
        pos += 1
        low = (low << 8) & 0xFFFFFFFF
        high = ((high << 8) & 0xFFFFFFFF) | 255
    return low, high, x, pos, y, True


def finish(coder: np.ndarray, out: np.ndarray) -> bytes:
    """End the encoder's output: the fewest bytes that, followed by zeros (as the decoder reads
    past the end), lie within the final interval."""
    low, high, pos = int(coder[LOW]), int(coder[HIGH]), int(coder[POSITION])
    for k in range(5):
        unit = 1 << (32 - 8 * k)
        point = -(-low // unit) * unit  # low rounded up to a multiple of unit
        if point <= high:
            tail = point.to_bytes(4, "big")[:k] if k else b""
            return bytes(out[:pos]) + tail
    raise AssertionError("unreachable: k = 4 always fits")


def start_decoding(coder: np.ndarray, payload: bytes) -> np.ndarray:
    """The payload as the decoder's input, with the coder primed by its first 4 bytes."""
    coder[X] = int.from_bytes(payload[:4].ljust(4, b"\0"), "big")
    coder[POSITION] = 4
    return np.frombuffer(payload, dtype=np.uint8).copy()
