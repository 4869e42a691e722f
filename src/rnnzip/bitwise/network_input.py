"""The network as one of the mixer's inputs: its byte distribution, as cumulative integer counts
(model.network_counts is the one place where its floats become integers), gives each bit's
probability by subtree sums. Inputs: stretch(p), and stretch of two APM-refined copies (by c0;
by c1 and c0). Its expected byte and confidence select rows of weight set NETWORK.
"""

from __future__ import annotations

from numba import njit

from .maps import apm, update_apm

NETWORK_APM_ROWS = 256 + 65536  # by c0; by c1 and c0


@njit(cache=True, inline="always")
def network_expected(cum):  # pragma: no cover (compiled)
    """The most probable byte + 256."""
    best = 0
    for v in range(256):
        if cum[v + 1] - cum[v] > cum[best + 1] - cum[best]:
            best = v
    return best + 256


@njit(cache=True, inline="always")
def network_inputs(x, j, cum, apms, expected, bit, c0, c1, stretch):  # pragma: no cover
    """The inputs into x[j:]; returns (weight set NETWORK's selector, the APM cells that learn)."""
    lo = (c0 - (1 << bit)) << (8 - bit)
    half = 1 << (7 - bit)
    n0 = cum[lo + half] - cum[lo]
    n1 = cum[lo + 2 * half] - cum[lo + half]
    p = (n1 * 4096 + (n0 + n1) // 2) // (n0 + n1)
    p = min(max(p, 1), 4095)
    x[j] = stretch[p]
    pa, i1 = apm(stretch, apms, c0, p)
    x[j + 1] = stretch[pa >> 4]
    pa, i2 = apm(stretch, apms, 256 + ((c1 << 8) | c0), p)
    x[j + 2] = stretch[pa >> 4]
    selector = 0
    if (expected >> (8 - bit)) == c0:
        confident = 0 if n0 + n1 == 0 else (max(n0, n1) * 4) // (n0 + n1)  # 2..4
        selector = 1 + ((expected >> (7 - bit)) & 1) + 2 * min(confident - 2, 2)
    return selector, i1, i2


@njit(cache=True, inline="always")
def network_update(apms, i1, i2, y, reciprocal):  # pragma: no cover
    update_apm(apms, i1, y, reciprocal)
    update_apm(apms, i2, y, reciprocal)
