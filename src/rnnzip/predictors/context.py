"""Order-0..N context models: symbol counts per context, turned into one distribution per order.

Each order's distribution interpolates its counts with the next lower order's distribution
(Witten-Bell style: p_k = (c_k + e*d_k * p_(k-1)) / (n_k + e*d_k), with n_k the context's total,
d_k its distinct symbols, e = ESCAPE), so every p_k is a proper, smoothed prediction.

All orders share one table of small integer counts, one row per context. Orders 1 and 2 have
exact rows of their own; higher orders hash the context into 2**table_bits shared rows, each
tagged with 8 more bits of the hash so that a row reused by another context is recognised and
reset instead of polluting the prediction. Every step is a handful of numpy calls over (B, K).
"""

from __future__ import annotations

import numpy as np

COUNT_LIMIT = 255  # uint8 counts; a row is halved before any of its counts could pass this
ESCAPE = 2.0  # weight of the escape to the lower order, per distinct symbol seen (measured)
_MULT = np.uint64(0x9E3779B97F4A7C15)
EXACT_ORDERS = 2


def _exact_rows(orders: int, vocab: int) -> int:
    return sum(vocab**k for k in range(1, min(orders, EXACT_ORDERS) + 1))


class ContextModels:
    def __init__(self, orders: int, table_bits: int, vocab: int, batch: int) -> None:
        self.orders, self.bits, self.vocab, self.batch = orders, table_bits, vocab, batch
        self.exact = min(orders, EXACT_ORDERS)
        hashed = 1 << table_bits if orders > EXACT_ORDERS else 0
        rows = _exact_rows(orders, vocab) + hashed
        self.table = np.zeros((rows, vocab), dtype=np.uint8)
        self.tags = np.zeros(rows, dtype=np.uint8)  # exact rows keep tag 0
        self.history = np.zeros(batch, dtype=np.uint64)  # the last 8 symbols of each stream, 8 bits each
        self.seen = 0  # symbols seen per stream so far (all streams advance together)
        self.order0 = np.zeros(vocab, dtype=np.float64)
        k = np.arange(1, orders + 1, dtype=np.uint64)
        self.masks = np.where(k < 8, (np.uint64(1) << (np.uint64(8) * np.minimum(k, 7))) - np.uint64(1),
                              np.uint64(0xFFFFFFFFFFFFFFFF))
        self.salt = k * np.uint64(0x632BE59BD9B4E019)
        self.offsets = np.array([0, vocab][: self.exact], dtype=np.int64)
        self.hashed_base = _exact_rows(orders, vocab)
        self._locate()

    @staticmethod
    def memory_bytes(orders: int, table_bits: int, vocab: int) -> int:
        hashed = 1 << table_bits if orders > EXACT_ORDERS else 0
        return (_exact_rows(orders, vocab) + hashed) * (vocab + 1)

    def _locate(self) -> None:
        """Row (B, K) and tag (B, K) of every order's current context, for every stream."""
        h = self.history[:, None]
        rows = np.empty((self.batch, self.orders), dtype=np.int64)
        last = (h & np.uint64(0xFF)).astype(np.int64)[:, 0]
        if self.exact >= 1:
            rows[:, 0] = last
        if self.exact >= 2:
            rows[:, 1] = self.vocab + last * self.vocab + ((h >> np.uint64(8)) & np.uint64(0xFF)).astype(np.int64)[:, 0]
        tags = np.zeros((self.batch, self.orders), dtype=np.uint8)
        if self.orders > self.exact:
            mixed = ((h & self.masks[self.exact :]) + self.salt[self.exact :]) * _MULT  # (B, K-2)
            rows[:, self.exact :] = self.hashed_base + (mixed >> np.uint64(64 - self.bits)).astype(np.int64)
            tags[:, self.exact :] = ((mixed >> np.uint64(48 - self.bits)) & np.uint64(0xFF)).astype(np.uint8) | 1
        # orders longer than what the stream has seen point at no context yet
        self.valid = np.arange(1, self.orders + 1) <= self.seen  # (K,)
        self.rows, self.row_tags = rows, tags

    def features(self) -> tuple[np.ndarray, np.ndarray]:
        """(B, K+1, V) float32 distributions of orders 0..K; (B, K) each context's total count. Only exact IEEE arithmetic on integer-valued sums: no transcendental
        numpy function, whose SIMD variants differ between machines."""
        counts = self.table[self.rows]  # (B, K, V)
        unseen = (self.tags[self.rows] != self.row_tags) | ~self.valid  # another context's row
        counts[unseen] = 0
        c = counts.astype(np.float64)
        total = c.sum(axis=2)  # integer-valued: exact in any summation order
        distinct = np.count_nonzero(counts, axis=2).astype(np.float64)
        probs = np.empty((self.batch, self.orders + 1, self.vocab), dtype=np.float32)
        p = np.broadcast_to((self.order0 + 0.5) / (self.order0.sum() + 0.5 * self.vocab), (self.batch, self.vocab))
        probs[:, 0] = p
        for k in range(self.orders):
            escape = ESCAPE * distinct[:, k : k + 1]
            mixed = (c[:, k] + escape * p) / np.maximum(total[:, k : k + 1] + escape, 1.0)
            p = np.where(total[:, k : k + 1] > 0, mixed, p)
            probs[:, k + 1] = p
        return probs, total

    def update(self, symbols: np.ndarray, active: int) -> None:
        """Count symbols[:active] in each order's current context, then shift them in."""
        orders = int(self.valid.sum())
        if orders:
            rows, tags = self.rows[:active, :orders], self.row_tags[:active, :orders]
            s = np.broadcast_to(symbols[:active, None].astype(np.int64), rows.shape)
            stale = self.tags[rows] != tags
            if stale.any():
                self.table[rows[stale]] = 0
                self.tags[rows[stale]] = tags[stale]
            full = rows[self.table[rows, s] > COUNT_LIMIT - active]  # could overflow if all add
            if full.size:
                self.table[np.unique(full)] >>= 1
            np.add.at(self.table, (rows.ravel(), s.ravel()), 1)
        np.add.at(self.order0, symbols[:active], 1.0)
        self.history = (self.history << np.uint64(8)) | symbols.astype(np.uint64)
        self.seen += 1
        self._locate()
