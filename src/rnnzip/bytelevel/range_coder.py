"""The range coder adapter: the only module that imports constriction.

One call per step codes the symbols of all active streams, each with its own distribution.
Coder settings (queue range coder, Categorical(perfect=False), 32-bit words) are fixed by the
format version.

The payload is the coder's words, big-endian, with its trailing zero bytes removed: the
decoder reads missing words as zeros. The encoder ends the stream itself, with the point of
its final interval that has the most trailing zero bits (constriction's own end is the
interval's first word-aligned point), which saves 1.5 bytes per frame on average.
"""

from __future__ import annotations

from collections.abc import Callable

import constriction
import numpy as np

from ..errors import BadRnnzipFile

# (the active streams' symbols, known when encoding; their probabilities) -> the coded symbols
CodeStep = Callable[[np.ndarray, np.ndarray], np.ndarray]

_FAMILY = constriction.stream.model.Categorical(perfect=False)


def coder_probabilities(probs: np.ndarray) -> np.ndarray:
    """Validate a (B, V) probability array for the coder: float64, finite, non-negative.

    constriction silently miscodes negative entries, so rows that are not a usable distribution
    (NaN or inf from a diverging network) are replaced by the uniform distribution. Encoder and
    decoder run this same function on the same floats, so they replace the same rows.
    """
    p = np.asarray(probs, dtype=np.float64)
    totals = p.sum(axis=1)  # a NaN or inf anywhere reaches its row's total
    if np.isfinite(totals).all() and (totals > 0).all() and p.min() >= 0:
        return p
    bad = ~(np.isfinite(p).all(axis=1) & (p >= 0).all(axis=1) & (totals > 0))
    if bad.any():
        p = p.copy()
        p[bad] = 1.0
    return p


class Encoder:
    def __init__(self) -> None:
        self._coder = constriction.stream.queue.RangeEncoder()

    def code(self, symbols: np.ndarray, probs: np.ndarray) -> np.ndarray:
        self._coder.encode(symbols, _FAMILY, probs)
        return symbols

    def finish(self) -> bytes:
        words = self._coder.get_compressed()
        written, (lower, size) = self._coder.pos()
        if lower + size <= 1 << 64:  # else words are held back for a carry: keep constriction's end
            words = np.append(words[:written], np.uint32(_roundest_point(lower, lower + size) >> 32))
        return words.astype(">u4").tobytes().rstrip(b"\0")


def _roundest_point(low: int, high: int) -> int:
    """The number in [low, high) with the most trailing zero bits (high - low >= 2**32)."""
    for bits in range(64, 31, -1):
        point = -(-low >> bits) << bits  # low rounded up to a multiple of 2**bits
        if point < high:
            return point
    raise AssertionError("the coder's interval is narrower than a word")


class Decoder:
    def __init__(self, payload: bytes) -> None:
        padded = payload + bytes(-len(payload) % 4)
        self._coder = constriction.stream.queue.RangeDecoder(np.frombuffer(padded, ">u4").astype(np.uint32))

    def code(self, _unknown: np.ndarray, probs: np.ndarray) -> np.ndarray:
        try:
            return self._coder.decode(_FAMILY, probs).astype(np.int32)
        except AssertionError as e:  # constriction's report of data its model cannot have written
            raise BadRnnzipFile(f"corrupt payload ({e})") from None
