"""The match model: the byte that followed the last occurrence of the last MATCH_MIN bytes, as
long as the bytes since agree. Its inputs, while the expected byte agrees with the bits so far:
stretch(p) and p - 1/2 of two maps, by (length bucket, expected bit, bit position) and by
(expected byte, bit position, c1), and the expected bit's sign times min(length, 32) and times
log2(length).

Its state: the stream's MATCH_PTR and MATCH_LENGTH fields, the table of last occurrences (per
hash of the last MATCH_MIN bytes, a position) and the two maps.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .hashing import hash2
from .layout import MATCH_INPUTS, Byte, Stream
from .maps import update_map

MATCH_MIN = 7  # bytes of context looked up
MATCH_MAX = 65535  # a match's length counts up to this
MATCH_VERIFY = 63  # bytes compared backwards when a candidate is found


@njit(cache=True, inline="always")
def match_find(f, st, table, data, here, t, steps):  # pragma: no cover (compiled)
    """Before the byte at `here` (position t of its stream): look up a match when none runs, then
    this occurrence takes its table slot; set the EXPECTED feature."""
    ptr, length = st[Stream.MATCH_PTR], st[Stream.MATCH_LENGTH]
    if t >= MATCH_MIN:
        key = hash2(st[Stream.HISTORY], 99) & (table.size - 1)
        candidate = table[key]
        if length == 0 and candidate >= 0:
            u = candidate % steps
            if u < t or (u == t and candidate < here):  # coded already
                n = 0
                while n < MATCH_VERIFY and n < u and n < t and data[candidate - 1 - n] == data[here - 1 - n]:
                    n += 1
                if n >= MATCH_MIN:
                    ptr, length = candidate, n
        table[key] = here
    st[Stream.MATCH_PTR], st[Stream.MATCH_LENGTH] = ptr, length
    f[Byte.EXPECTED] = np.int64(data[ptr]) + 256 if length > 0 else 0


@njit(cache=True, inline="always")
def match_inputs(x, j, maps, expected, length, bit, c0, c1, stretch):  # pragma: no cover
    """The model's inputs into x[j:]; returns the two map rows that learn (-1: none)."""
    if expected > 0 and (expected >> (8 - bit)) == c0:
        ebit = (expected >> (7 - bit)) & 1
        dense = length - 1 if length <= 16 else 12 + (min(length - 1, 63) >> 2)
        row = (dense * 2 + ebit) * 8 + bit
        row2 = 448 + (((expected & 255) * 8 + bit) << 8) + c1
        p = maps[0, row] >> 20
        x[j] = stretch[p]
        x[j + 1] = (p - 2048) >> 2
        p = maps[0, row2] >> 20
        x[j + 2] = stretch[p]
        x[j + 3] = (p - 2048) >> 2
        sign = 2 * ebit - 1
        x[j + 4] = sign * (min(length, 32) << 5)
        log2 = 0
        v = length
        while v > 1:
            log2 += 1
            v >>= 1
        x[j + 5] = sign * ((log2 * 16 + (((length << 4) >> log2) & 15)) << 2)
        return row, row2
    for q in range(MATCH_INPUTS):
        x[j + q] = 0
    return -1, -1


@njit(cache=True, inline="always")
def match_learn(maps, row, row2, y, reciprocal):  # pragma: no cover
    if row >= 0:
        update_map(maps, 0, row, y, reciprocal)
        update_map(maps, 0, row2, y, reciprocal)


@njit(cache=True, inline="always")
def match_update(st, expected, byte, length_of_block, steps):  # pragma: no cover
    """The byte is known: the match goes on while it agrees (and within its stream)."""
    ptr, length = st[Stream.MATCH_PTR], st[Stream.MATCH_LENGTH]
    if length > 0:
        if (expected & 255) == byte and ptr + 1 < length_of_block and (ptr + 1) % steps != 0:
            st[Stream.MATCH_PTR], st[Stream.MATCH_LENGTH] = ptr + 1, min(length + 1, MATCH_MAX)
        else:
            st[Stream.MATCH_LENGTH] = 0
