"""The match model: find the last occurrence of each stream's current context in everything
coded so far (all streams) and predict the symbol that followed it, with the match length as
its confidence."""

from __future__ import annotations

import numpy as np

_MULT = np.uint64(0xD6E8FEB86659FD93)
MAX_LENGTH = 31  # match lengths are capped (and bucketed) at this


class MatchModel:
    def __init__(self, min_length: int, batch: int, steps: int) -> None:
        # the hash table grows with the frame: about two slots per symbol, 2**12..2**24
        self.bits = int(np.clip(np.ceil(np.log2(max(1, batch * steps))) + 1, 12, 24))
        self.min_length, self.batch, self.steps = min_length, batch, steps
        self.history = np.zeros(batch * steps, dtype=np.uint8)  # coded symbols, stream-major
        self.last = np.full(1 << self.bits, -1, dtype=np.int64)  # context hash -> next position
        self.recent = np.zeros(batch, dtype=np.uint64)  # the last 8 symbols of each stream
        self.pointer = np.full(batch, -1, dtype=np.int64)  # position of the predicted symbol
        self.length = np.zeros(batch, dtype=np.int64)
        self.pending = np.full(batch, -1, dtype=np.int64)  # bucket to point at the next symbol
        self.t = 0
        self.base = np.arange(batch, dtype=np.int64) * steps

    def features(self) -> tuple[np.ndarray, np.ndarray]:
        """(B,) expected symbol (0 when none) and (B,) match length (0 when none)."""
        valid = self.pointer >= 0
        expected = np.where(valid, self.history[np.where(valid, self.pointer, 0)], 0)
        return expected.astype(np.int64), np.where(valid, self.length, 0)

    def update(self, symbols: np.ndarray) -> None:
        here = self.base + self.t
        self.history[here] = symbols
        # the context that ended before this symbol now has a known successor: this position
        waiting = self.pending >= 0
        self.last[self.pending[waiting]] = here[waiting]
        # extend matches that predicted right, drop the others
        valid = self.pointer >= 0
        hit = valid & (self.history[np.where(valid, self.pointer, 0)] == symbols)
        self.length = np.where(hit, np.minimum(self.length + 1, MAX_LENGTH), 0)
        self.pointer = np.where(hit, self.pointer + 1, -1)
        self.pointer[self.pointer >= self.history.size] = -1
        self.recent = (self.recent << np.uint64(8)) | symbols.astype(np.uint64)
        self.t += 1
        if self.t < self.min_length:
            return
        key = self.recent & np.uint64((1 << (8 * self.min_length)) - 1) if self.min_length < 8 else self.recent
        bucket = ((key * _MULT) >> np.uint64(64 - self.bits)).astype(np.int64)
        # streams without a match look their context up; a hash hit counts as min_length
        candidate = self.last[bucket]
        found = (self.pointer < 0) & (candidate >= 0)
        self.pointer[found] = candidate[found]
        self.length[found] = self.min_length
        self.pending = bucket
