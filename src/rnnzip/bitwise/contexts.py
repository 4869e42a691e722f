"""The hashed contexts' stage: hash the contexts of each byte (through the text models), find
their buckets, and per bit turn each context's bit-history state into mixer inputs.

A context's hash picks a 16-byte bucket per nibble in one table shared by all contexts: byte 0
a check byte, bytes 1-15 the bit-history states of the nibble's binary tree. Of three
neighbouring buckets it takes the one whose check matches, else the least used, cleared. Per
bucket, `runs` keeps the byte that last followed the context (how often it repeated, and
whether another byte ever did). Each context feeds the mixer three inputs (INPUTS_PER_CONTEXT):
stretch(p) of its state's map; half of that again when the state has seen one bit value only;
and, while the run byte agrees with the bits so far, stretch(p) of a map by its repeats and
expected bit (at 3/4 once another byte has followed the context). Orders 0 and 1 are direct
tables, stream-local, with stretch(p) and p - 1/2 each.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .brackets import brackets_contexts
from .hashing import hash2
from .history import history_contexts
from .layout import DIRECT_INPUTS, INPUTS_PER_CONTEXT
from .lines import lines_contexts
from .maps import update_map
from .registry import HASHED, PRIORITY, RUNS, SHARED
from .tokens import tokens_contexts
from .words import words_contexts


def contexts_in_use(shared: int, batch: int) -> np.ndarray:
    """The ids of the contexts a configuration runs: its first `shared` by priority, and the
    stream-local ones when there are several streams."""
    local = range(SHARED, HASHED) if batch > 1 else range(0)
    return np.array([*PRIORITY[:shared], *local], dtype=np.int64)


@njit(cache=True, inline="always")
def hash_contexts(hashes, f, st, data, here, t, b, text):  # pragma: no cover (compiled)
    """Every context's hash of the byte at `here` (position t of stream b), and the byte's
    features; the models in this order, as later ones read earlier ones' features."""
    lines_contexts(hashes, f, st, data, here)
    words_contexts(hashes, f, st, here, b, text.word_ends, text.followers)
    tokens_contexts(hashes, f, st, text.token_next)
    brackets_contexts(hashes, f, st)
    history_contexts(hashes, st, data, here, t, b, text.indirect)


@njit(cache=True, inline="always")
def find_bucket(table, h, mask, state_total, runs):  # pragma: no cover
    """The bucket of hash h: of three neighbours, the one whose check byte matches, else the least
    used (by its first state's count), cleared."""
    check = (h >> 24) & 255
    base = h & mask
    best, best_priority = -1, 1 << 30
    for k in range(3):
        i = ((base ^ k) & mask) << 4
        if table[i] == check and table[i + 1] != 0:
            return i
        priority = state_total[table[i + 1]]
        if priority < best_priority:
            best, best_priority = i, priority
    table[best] = check
    for j in range(1, 16):
        table[best + j] = 0
    runs[best >> 4] = 0
    return best


@njit(cache=True, inline="always")
def load_buckets(cm, w, hashed, mask, state_total):  # pragma: no cover
    """The byte's first buckets and run bytes. Every bucket is loaded before any is searched, so
    that the cache misses overlap (about 20% faster); returns the loads' sum (see kernel)."""
    touch = 0
    for k in range(hashed):
        touch += cm.table[(w.hashes[w.used[k]] & mask) << 4]
    for k in range(hashed):
        i = w.used[k]
        w.buckets[i] = find_bucket(cm.table, w.hashes[i], mask, state_total, cm.runs)
        r = cm.runs[w.buckets[i] >> 4]
        w.run_expected[i] = (r & 255) + 256 if r else 0
        w.run_length[i] = min((r >> 8) & 127, 15) + 16 * (r >> 15)  # repeats, + 16 once another byte followed
    return touch


@njit(cache=True, inline="always")
def context_inputs(x, cm, w, hashed, bit, c0, nib, stretch, deterministic):  # pragma: no cover
    """Each context's three inputs for this bit into x[0:]; returns (orders 2-6 with a bit
    history here, contexts with one)."""
    known = 0
    present = 0
    for k in range(hashed):
        i = w.used[k]
        w.slots[i] = w.buckets[i] + nib
        s = cm.table[w.slots[i]]
        j = k * INPUTS_PER_CONTEXT
        if s == 0:
            x[j] = 0
            x[j + 1] = 0
        else:
            p = cm.state_maps[i, s] >> 20
            x[j] = stretch[p]
            x[j + 1] = (x[j] >> 1) * deterministic[s]
            present += 1
            if i < 5:
                known += 1
        w.run_rows[i] = -1
        x[j + 2] = 0
        expected = w.run_expected[i]
        if expected and (expected >> (8 - bit)) == c0 and RUNS[i]:
            w.run_rows[i] = w.run_length[i] * 2 + ((expected >> (7 - bit)) & 1)
            x[j + 2] = (stretch[cm.run_maps[i, w.run_rows[i]] >> 20] * (4 - (w.run_length[i] >> 4))) >> 2
    return known, present


@njit(cache=True, inline="always")
def direct_inputs(x, j, cm, b, c0, c1, stretch):  # pragma: no cover
    """Orders 0 and 1 (this stream's) into x[j:]; returns their states."""
    s0, s1 = cm.order0[b * 256 + c0], cm.order1[b * 65536 + c1 * 256 + c0]
    p = cm.state_maps[HASHED, s0] >> 20
    x[j] = stretch[p]
    x[j + 1] = (p - 2048) >> 2
    p = cm.state_maps[HASHED + 1, s1] >> 20
    x[j + DIRECT_INPUTS] = stretch[p]
    x[j + DIRECT_INPUTS + 1] = (p - 2048) >> 2
    return s0, s1


@njit(cache=True, inline="always")
def update_contexts(cm, w, hashed, y, next_state, reciprocal):  # pragma: no cover
    """Every context's state and maps learn bit y."""
    for k in range(hashed):
        i = w.used[k]
        s = cm.table[w.slots[i]]
        cm.table[w.slots[i]] = next_state[s * 2 + y]
        update_map(cm.state_maps, i, s, y, reciprocal)
        if w.run_rows[i] >= 0:
            update_map(cm.run_maps, i, w.run_rows[i], y, reciprocal)


@njit(cache=True, inline="always")
def update_direct(cm, b, c0, c1, s0, s1, y, next_state, reciprocal):  # pragma: no cover
    update_map(cm.state_maps, HASHED, s0, y, reciprocal)
    update_map(cm.state_maps, HASHED + 1, s1, y, reciprocal)
    cm.order0[b * 256 + c0] = next_state[s0 * 2 + y]
    cm.order1[b * 65536 + c1 * 256 + c0] = next_state[s1 * 2 + y]


@njit(cache=True, inline="always")
def next_nibble(cm, w, hashed, c0, mask, state_total):  # pragma: no cover
    """After 4 bits: each context's bucket for the second nibble, by its hash with c0; returns the
    loads' sum."""
    touch = 0
    for k in range(hashed):
        i = w.used[k]
        w.first_buckets[i] = w.buckets[i]
        w.nibble_hashes[i] = hash2(w.hashes[i], c0)
        touch += cm.table[(w.nibble_hashes[i] & mask) << 4]
        w.buckets[i] = find_bucket(cm.table, w.nibble_hashes[i], mask, state_total, cm.runs)
    return touch


@njit(cache=True, inline="always")
def update_runs(cm, w, hashed, byte):  # pragma: no cover
    """The byte is known: each context's run byte (in its first bucket) repeats or is replaced."""
    for k in range(hashed):
        bucket = w.first_buckets[w.used[k]] >> 4
        r = cm.runs[bucket]
        if r and (r & 255) == byte:
            cm.runs[bucket] = (r & 0x8000) | (min(((r >> 8) & 127) + 1, 127) << 8) | byte
        else:
            cm.runs[bucket] = (0x8000 if r else 0) | 256 | byte
