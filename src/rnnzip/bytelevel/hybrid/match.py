"""The match model: find the last occurrence of each stream's current context in everything
coded so far (all streams) and predict the symbol that followed it, with the match length as
its confidence. Integer work only, compiled with numba: two calls per step."""

from __future__ import annotations

import numpy as np
from numba import njit

_MULT = np.uint64(0xD6E8FEB86659FD93)
MAX_LENGTH = 31  # match lengths are capped at this


@njit(cache=True)
def _predict(history, pointer, length, expected, shown):  # pragma: no cover (compiled)
    for b in range(pointer.size):
        if pointer[b] >= 0:
            expected[b] = history[pointer[b]]
            shown[b] = length[b]
        else:
            expected[b] = 0
            shown[b] = 0


@njit(cache=True)
def _update(history, last, recent, pointer, length, pending, steps, t, symbols, min_length, bits):  # pragma: no cover
    batch = pointer.size
    for b in range(batch):  # the context that ended before this symbol now has a successor
        here = b * steps + t
        history[here] = symbols[b]
        if pending[b] >= 0:
            last[pending[b]] = here
    for b in range(batch):  # extend matches that predicted right, drop the others
        p = pointer[b]
        if p >= 0 and history[p] == symbols[b] and p + 1 < history.size:
            pointer[b] = p + 1
            length[b] = min(length[b] + 1, MAX_LENGTH)
        else:
            pointer[b] = -1
            length[b] = 0
        recent[b] = (recent[b] << np.uint64(8)) | np.uint64(symbols[b])
    if t + 1 < min_length:
        return
    for b in range(batch):  # streams without a match look their context up
        key = recent[b] if min_length >= 8 else recent[b] & ((np.uint64(1) << np.uint64(8 * min_length)) - np.uint64(1))
        bucket = np.int64((key * _MULT) >> np.uint64(64 - bits))
        if pointer[b] < 0 and last[bucket] >= 0:
            pointer[b] = last[bucket]
            length[b] = min_length  # a hash hit counts as a match of min_length
        pending[b] = bucket


class MatchModel:
    def __init__(self, min_length: int, batch: int, steps: int) -> None:
        # the hash table grows with the frame: about two slots per symbol, 2**12..2**24
        self.bits = int(np.clip(np.ceil(np.log2(max(1, batch * steps))) + 1, 12, 24))
        self.min_length, self.steps = min_length, steps
        self.history = np.zeros(batch * steps, dtype=np.uint8)  # coded symbols, stream-major
        self.last = np.full(1 << self.bits, -1, dtype=np.int64)  # context hash -> next position
        self.recent = np.zeros(batch, dtype=np.uint64)  # the last 8 symbols of each stream
        self.pointer = np.full(batch, -1, dtype=np.int64)  # position of the predicted symbol
        self.length = np.zeros(batch, dtype=np.int64)
        self.pending = np.full(batch, -1, dtype=np.int64)  # bucket to point at the next symbol
        self.expected = np.zeros(batch, dtype=np.int64)
        self.shown = np.zeros(batch, dtype=np.int64)
        self.t = 0

    def features(self) -> tuple[np.ndarray, np.ndarray]:
        """(B,) expected symbol (0 when none) and (B,) match length (0 when none)."""
        _predict(self.history, self.pointer, self.length, self.expected, self.shown)
        return self.expected, self.shown

    def update(self, symbols: np.ndarray) -> None:
        _update(
            self.history,
            self.last,
            self.recent,
            self.pointer,
            self.length,
            self.pending,
            self.steps,
            self.t,
            symbols,
            self.min_length,
            self.bits,
        )
        self.t += 1
