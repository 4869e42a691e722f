"""Order-0..N context models: symbol counts per context, turned into one distribution per order.

All orders share one table of small integer counts, one row per context. Orders 1 and 2 have
exact rows of their own; higher orders hash the context into 2**table_bits shared rows, each
tagged with 8 more bits of the hash so that a row reused by another context is recognised and
reset instead of polluting the prediction. Each order's distribution interpolates its counts
with the next lower order's (Witten-Bell style):

    p_k = (c_k + e_k * p_(k-1)) / (n_k + e_k),   e_k = ESCAPE * (distinct symbols seen in context)

(PPM's exclusion instead, measured: 2-6% worse once mixed.) The per-step work is two compiled
(numba) calls. They use only integer and basic IEEE float arithmetic (no fused multiply-add, no
transcendental functions), which give the same bits on every machine; logarithms are taken in
torch, whose vector ISA rnnzip pins.
"""

from __future__ import annotations

import numpy as np
from numba import njit

ESCAPE = 2.0  # weight of the escape to the lower order, per distinct symbol seen (measured)
EXACT_ORDERS = 2
_MULT = np.uint64(0x9E3779B97F4A7C15)
_SALT = np.uint64(0x632BE59BD9B4E019)


def _exact_rows(orders: int, vocab: int) -> int:
    return sum(vocab**k for k in range(1, min(orders, EXACT_ORDERS) + 1))


@njit(cache=True)
def _locate(history, vocab, bits, hashed_base, rows, row_tags):  # pragma: no cover (compiled)
    batch, orders = rows.shape
    for b in range(batch):
        h = history[b]
        for k in range(orders):
            if k == 0:
                rows[b, k] = np.int64(h & np.uint64(0xFF))
                row_tags[b, k] = 0
            elif k == 1:
                last, before = np.int64(h & np.uint64(0xFF)), np.int64((h >> np.uint64(8)) & np.uint64(0xFF))
                rows[b, k] = vocab + last * vocab + before
                row_tags[b, k] = 0
            else:
                context = h if k >= 7 else h & ((np.uint64(1) << np.uint64(8 * (k + 1))) - np.uint64(1))
                mixed = (context + np.uint64(k + 1) * _SALT) * _MULT
                rows[b, k] = hashed_base + np.int64(mixed >> np.uint64(64 - bits))
                row_tags[b, k] = np.uint8(((mixed >> np.uint64(48 - bits)) & np.uint64(0xFF)) | np.uint64(1))


@njit(cache=True)
def _features(table, tags, rows, row_tags, seen, order0, escape, probs, totals):  # pragma: no cover
    batch, orders = rows.shape
    vocab = table.shape[1]
    n0 = 0.0
    for v in range(vocab):
        n0 += order0[v]
    p = np.empty(vocab)
    for b in range(batch):
        for v in range(vocab):
            p[v] = (order0[v] + 0.5) / (n0 + 0.5 * vocab)
            probs[b, 0, v] = p[v]
        for k in range(orders):
            r = rows[b, k]
            n = 0.0
            d = 0.0
            if k < seen and tags[r] == row_tags[b, k]:
                for v in range(vocab):
                    c = table[r, v]
                    n += c
                    if c:
                        d += 1.0
            totals[b, k] = n
            if n > 0:
                e = escape * d
                for v in range(vocab):
                    p[v] = (table[r, v] + e * p[v]) / (n + e)
            for v in range(vocab):
                probs[b, k + 1, v] = p[v]


@njit(cache=True)
def _update(table, tags, rows, row_tags, seen, symbols, active, order0):  # pragma: no cover
    orders = min(rows.shape[1], seen)
    for b in range(active):
        s = symbols[b]
        for k in range(orders):
            r = rows[b, k]
            if tags[r] != row_tags[b, k]:  # the row held another context: take it over
                table[r, :] = 0
                tags[r] = row_tags[b, k]
            if table[r, s] == 255:  # uint8 counts: halve the row rather than overflow
                for v in range(table.shape[1]):
                    table[r, v] >>= 1
            table[r, s] += 1
        order0[s] += 1


class ContextModels:
    def __init__(self, orders: int, table_bits: int, vocab: int, batch: int) -> None:
        self.orders, self.bits, self.vocab, self.batch = orders, table_bits, vocab, batch
        hashed = 1 << table_bits if orders > EXACT_ORDERS else 0
        self.hashed_base = _exact_rows(orders, vocab)
        self.table = np.zeros((self.hashed_base + hashed, vocab), dtype=np.uint8)
        self.tags = np.zeros(len(self.table), dtype=np.uint8)  # exact rows keep tag 0
        self.order0 = np.zeros(vocab, dtype=np.int64)
        self.history = np.zeros(batch, dtype=np.uint64)  # the last 8 symbols of each stream
        self.rows = np.zeros((batch, orders), dtype=np.int64)
        self.row_tags = np.zeros((batch, orders), dtype=np.uint8)
        self.seen = 0  # symbols seen per stream so far (all streams advance together)
        self.probs = np.zeros((batch, orders + 1, vocab), dtype=np.float32)
        self.totals = np.zeros((batch, orders), dtype=np.float64)
        _locate(self.history, vocab, table_bits, self.hashed_base, self.rows, self.row_tags)

    @staticmethod
    def memory_bytes(orders: int, table_bits: int, vocab: int) -> int:
        hashed = 1 << table_bits if orders > EXACT_ORDERS else 0
        return (_exact_rows(orders, vocab) + hashed) * (vocab + 1)

    def features(self) -> tuple[np.ndarray, np.ndarray]:
        """(B, K+1, V) float32 distributions of orders 0..K; (B, K) each context's total count."""
        _features(self.table, self.tags, self.rows, self.row_tags, self.seen, self.order0, ESCAPE,
                  self.probs, self.totals)
        return self.probs, self.totals

    def update(self, symbols: np.ndarray, active: int) -> None:
        """Count symbols[:active] in each order's current context, then shift them in."""
        _update(self.table, self.tags, self.rows, self.row_tags, self.seen, symbols, active, self.order0)
        self.history = (self.history << np.uint64(8)) | symbols.astype(np.uint64)
        self.seen += 1
        _locate(self.history, self.vocab, self.bits, self.hashed_base, self.rows, self.row_tags)
