"""Order-0..N context models and text contexts: symbol counts per context, turned into one
distribution per context.

All contexts share one table of small integer counts, one row per context. Orders 1 and 2 have
exact rows of their own; higher orders and the text contexts (the word being read, case-folded;
it and the previous word; the position in the line and the last symbol) hash into
2**table_bits shared rows, each
tagged with 8 more bits of the hash so that a row reused by another context is recognised and
reset instead of polluting the prediction. Each order's distribution interpolates its counts
with the next lower order's (Witten-Bell style):

    p_k = (c_k + e_k * p_(k-1)) / (n_k + e_k),   e_k = ESCAPE * (distinct symbols seen in context)

and each text context's with order 0, with TEXT_ESCAPE instead of ESCAPE.

(PPM's exclusion instead, measured: 2-6% worse once mixed.) The per-step work is two compiled
(numba) calls. They use only integer and basic IEEE float arithmetic (no fused multiply-add, no
transcendental functions), which give the same bits on every machine; logarithms are taken in
torch, whose vector ISA rnnzip pins.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ...contract import EXACT_CONTEXT_ORDERS, exact_context_rows

ESCAPE = 0.7  # weight of the escape to the lower order, per distinct symbol seen (measured: 0.3-1.0 within 0.2%)
ORDER0_PRIOR = 0.5  # pseudo-count of every symbol at order 0 (measured: 0.1-0.5 within 0.05%)
TEXT_CONTEXTS = 3  # the current word; it and the previous word; line position and last symbol
# A text context's counts are taken almost raw (escape to order 0, measured 0.015-0.06 within
# 0.1%; 0.5 costs 0.8% on enwik5): log p then tells the mixer sharply which symbols followed.
TEXT_ESCAPE = 0.03
_MULT = np.uint64(0x9E3779B97F4A7C15)
_SALT = np.uint64(0x632BE59BD9B4E019)
_WORD_MULT = np.uint64(0xFF51AFD7ED558CCD)


def word_letters(alphabet: np.ndarray) -> np.ndarray:
    """Per symbol: its case-folded byte + 1 if it belongs to a word (ASCII letters and every
    byte >= 0x80, so UTF-8 letters of any script count), else 0."""
    a = alphabet.astype(np.int64)
    folded = np.where((a >= 65) & (a <= 90), a + 32, a)
    is_letter = ((folded >= 97) & (folded <= 122)) | (a >= 0x80)
    return np.where(is_letter, folded + 1, 0).astype(np.uint64)


@njit(cache=True)
def _hashed(context, salt, bits, hashed_base):  # pragma: no cover (compiled)
    mixed = (context + salt * _SALT) * _MULT
    return hashed_base + np.int64(mixed >> np.uint64(64 - bits)), np.uint8(
        ((mixed >> np.uint64(48 - bits)) & np.uint64(0xFF)) | np.uint64(1)
    )


@njit(cache=True)
def _locate(
    history, words, previous_words, line_columns, orders, vocab, bits, hashed_base, rows, row_tags
):  # pragma: no cover
    batch, columns = rows.shape
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
                rows[b, k], row_tags[b, k] = _hashed(context, np.uint64(k + 1), bits, hashed_base)
        if columns > orders:  # between words: the previous word and the separator seen since
            word = words[b] if words[b] else previous_words[b] * _WORD_MULT + (h & np.uint64(0xFF))
            rows[b, orders], row_tags[b, orders] = _hashed(word, np.uint64(16), bits, hashed_base)
        if columns > orders + 1:
            pair = words[b] * _WORD_MULT + previous_words[b]
            rows[b, orders + 1], row_tags[b, orders + 1] = _hashed(pair, np.uint64(17), bits, hashed_base)
        if columns > orders + 2:  # the position in the line and the last symbol
            at = (np.uint64(min(line_columns[b], 255)) << np.uint64(8)) | (h & np.uint64(0xFF))
            rows[b, orders + 2], row_tags[b, orders + 2] = _hashed(at, np.uint64(18), bits, hashed_base)


@njit(cache=True)
def _shift(history, words, previous_words, line_columns, newline, letters, symbols):  # pragma: no cover (compiled)
    for b in range(history.size):
        s = symbols[b]
        line_columns[b] = 0 if s == newline else line_columns[b] + 1
        history[b] = (history[b] << np.uint64(8)) | np.uint64(s)
        if letters[s]:
            words[b] = (words[b] + letters[s]) * _WORD_MULT
        elif words[b]:
            previous_words[b], words[b] = words[b], np.uint64(0)


@njit(cache=True)
def _features(
    table, tags, rows, row_tags, orders, seen, order0, prior, escape, text_escape, probs, known
):  # pragma: no cover
    """probs[b]: orders 0..K interpolated down the chain, then each text context interpolated
    with order 0."""
    batch, columns = rows.shape
    vocab = table.shape[1]
    n0 = 0.0
    for v in range(vocab):
        n0 += order0[v]
    p = np.empty(vocab)
    for b in range(batch):
        known[b] = 0
        for v in range(vocab):
            p[v] = (order0[v] + prior) / (n0 + prior * vocab)
            probs[b, 0, v] = p[v]
        for k in range(columns):
            r = rows[b, k]
            n = 0.0
            d = 0.0
            if (k < seen or (k >= orders and seen > 0)) and tags[r] == row_tags[b, k]:
                for v in range(vocab):
                    c = table[r, v]
                    n += c
                    if c:
                        d += 1.0
            if k >= orders:  # a text context starts again from order 0
                for v in range(vocab):
                    p[v] = probs[b, 0, v]
            elif n > 0:
                known[b] += 1
            if n > 0:
                e = (escape if k < orders else text_escape) * d
                for v in range(vocab):
                    p[v] = (table[r, v] + e * p[v]) / (n + e)
            for v in range(vocab):
                probs[b, k + 1, v] = p[v]


@njit(cache=True)
def _update(table, tags, rows, row_tags, orders, seen, symbols, active, order0):  # pragma: no cover
    columns = rows.shape[1]
    for b in range(active):
        s = symbols[b]
        for k in range(columns):
            if not (k < seen or (k >= orders and seen > 0)):
                continue
            r = rows[b, k]
            if tags[r] != row_tags[b, k]:  # the row held another context: take it over
                table[r, :] = 0
                tags[r] = row_tags[b, k]
            if table[r, s] == 255:  # uint8 counts: halve the row (halving at 30-60 measured 0.1-1% worse)
                for v in range(table.shape[1]):
                    table[r, v] >>= 1
            table[r, s] += 1
        order0[s] += 1


class ContextModels:
    """Order-0..K counts and `text` text contexts (0 or up to TEXT_CONTEXTS); one shared table."""

    def __init__(self, orders: int, table_bits: int, alphabet: np.ndarray, batch: int, text: int = 0) -> None:
        vocab = len(alphabet)
        self.orders, self.bits, self.vocab, self.batch = orders, table_bits, vocab, batch
        hashed = 1 << table_bits if orders > EXACT_CONTEXT_ORDERS or text else 0
        self.hashed_base = exact_context_rows(orders, vocab)
        self.table = np.zeros((self.hashed_base + hashed, vocab), dtype=np.uint8)
        self.tags = np.zeros(len(self.table), dtype=np.uint8)  # exact rows keep tag 0
        self.order0 = np.zeros(vocab, dtype=np.int64)
        self.letters = word_letters(alphabet)
        self.newline = int(np.searchsorted(alphabet, ord("\n"))) if ord("\n") in alphabet else -1
        self.history = np.zeros(batch, dtype=np.uint64)  # the last 8 symbols of each stream
        self.words = np.zeros(batch, dtype=np.uint64)  # hash of the word being read, 0 between words
        self.previous_words = np.zeros(batch, dtype=np.uint64)
        self.line_columns = np.zeros(batch, dtype=np.int64)  # symbols since the last newline
        self.rows = np.zeros((batch, orders + text), dtype=np.int64)
        self.row_tags = np.zeros((batch, orders + text), dtype=np.uint8)
        self.seen = 0  # symbols seen per stream so far (all streams advance together)
        self.probs = np.zeros((batch, 1 + orders + text, vocab), dtype=np.float32)
        self.known = np.zeros(batch, dtype=np.int64)
        self._locate()

    def _locate(self) -> None:
        _locate(
            self.history,
            self.words,
            self.previous_words,
            self.line_columns,
            self.orders,
            self.vocab,
            self.bits,
            self.hashed_base,
            self.rows,
            self.row_tags,
        )

    def features(self) -> tuple[np.ndarray, np.ndarray]:
        """(B, 1+K+text, V) float32 distributions of orders 0..K, then of the text contexts;
        (B,) orders whose context was seen."""
        _features(
            self.table,
            self.tags,
            self.rows,
            self.row_tags,
            self.orders,
            self.seen,
            self.order0,
            ORDER0_PRIOR,
            ESCAPE,
            TEXT_ESCAPE,
            self.probs,
            self.known,
        )
        return self.probs, self.known

    def update(self, symbols: np.ndarray, active: int) -> None:
        """Count symbols[:active] in each current context, then shift them in."""
        _update(self.table, self.tags, self.rows, self.row_tags, self.orders, self.seen, symbols, active, self.order0)
        _shift(self.history, self.words, self.previous_words, self.line_columns, self.newline, self.letters, symbols)
        self.seen += 1
        self._locate()
