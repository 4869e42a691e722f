"""Adaptive maps from a small state to a probability: state maps (a bit-history state, or any
row, to p) and APMs (p refined by a context, interpolating between buckets of stretch(p)).

A state map's cell holds a 22-bit p above a 10-bit count n; p moves 1/(n + 1.5) of the error, n
counting up to STATE_MAP_LIMIT, so a cell adapts fast at first and settles. An APM row holds 33
cells over stretch(p) = -2048..2048, each a 16-bit p below a count; it starts as the identity.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .tables import SQUASH, STATE_PRIOR

STATE_MAP_LIMIT = 1023  # a state map's count limit: its rate falls to 1/(limit + 1.5)
APM_LIMIT = 120  # an APM cell moves 1/(count + 9.5) of the error, the count stopping here
RECIPROCAL = np.array([65536 * 2 // (2 * n + 3) for n in range(1024)], dtype=np.int64)  # 1/(n + 1.5), 16 bits
HALF = (1 << 21) << 10  # a state map cell at p = 1/2, count 0


@njit(cache=True, inline="always")
def update_map(maps, i, s, y, reciprocal):  # pragma: no cover (compiled)
    """Cell s of map i learns bit y: p += (y - p) / (n + 1.5) (int64 state maps and uint32
    stationary maps alike)."""
    v = np.int64(maps[i, s])
    n = v & 1023
    p = v >> 10
    p += (((y << 22) - p) * reciprocal[n]) >> 16
    maps[i, s] = (p << 10) | (n + 1 if n < STATE_MAP_LIMIT else n)


@njit(cache=True, inline="always")
def apm(stretch, table, row, p):  # pragma: no cover
    """Refine p (12 bits) by interpolating the row's buckets around stretch(p); returns (p in 16
    bits, index of the lower of the two buckets, which both learn)."""
    s = stretch[p] + 2048
    lo, w = s >> 7, s & 127
    i = row * 33 + lo
    return ((table[i] & 0xFFFF) * (128 - w) + (table[i + 1] & 0xFFFF) * w) >> 7, i


@njit(cache=True, inline="always")
def update_apm(table, i, y, reciprocal):  # pragma: no cover
    """Both APM cells from i learn bit y: p moves 1/(count + 9.5) of the error."""
    for k in range(i, i + 2):
        v = table[k]
        p, n = v & 0xFFFF, v >> 16
        p += (((y << 16) - p) * reciprocal[n + 8]) >> 16
        table[k] = ((n + 1 if n < APM_LIMIT else n) << 16) | p


def apm_table(rows: int) -> np.ndarray:
    """`rows` APM rows, each the identity: bucket j holds squash((j - 16) * 128), 16 bits."""
    buckets = SQUASH[np.clip((np.arange(33) - 16) * 128, -2047, 2047) + 2047] * 16
    return np.tile(buckets.astype(np.int32), rows)


def initial_state_maps(count: int) -> np.ndarray:
    """`count` state maps over bit-history states, each state starting at its counts' estimate."""
    return np.repeat((STATE_PRIOR << 10)[None, :], count, axis=0).astype(np.int64)
