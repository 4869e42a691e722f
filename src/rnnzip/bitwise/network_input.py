"""The network as one of the mixer's inputs: its byte distribution, as cumulative integer counts
(lstm.py and model.network_counts are where its floats become integers), gives each bit's
probability by subtree sums. The engine's own network (network_inputs): stretch(p), p - 1/2, and
stretch of three APM-refined copies (by c0; by c1 and c0; by the expected byte and the bit
position); weight set NETWORK's row: the expected byte while the bits so far agree with it, else how
sure the network is. A PyTorch network's counts (given_inputs, the format of the cm-lstm presets):
stretch(p) and the first two APMs; the row by expected bit and confidence.
"""

from __future__ import annotations

from numba import njit

from .maps import apm, update_apm

_BY_C0, _BY_C1, _BY_EXPECTED = 0, 256, 256 + 65536  # the APMs' first rows (layout.NETWORK_APM_ROWS)


@njit(cache=True, inline="always")
def network_expected(cum):  # pragma: no cover (compiled)
    """The most probable byte + 256."""
    best = 0
    for v in range(256):
        if cum[v + 1] - cum[v] > cum[best + 1] - cum[best]:
            best = v
    return best + 256


@njit(cache=True, inline="always")
def _bit_counts(cum, bit, c0):  # pragma: no cover
    """The counts of the bytes below c0 whose next bit is 0 and 1, and p(1) in 12 bits."""
    lo = (c0 - (1 << bit)) << (8 - bit)
    half = 1 << (7 - bit)
    n0 = cum[lo + half] - cum[lo]
    n1 = cum[lo + 2 * half] - cum[lo + half]
    p = (n1 * 4096 + (n0 + n1) // 2) // (n0 + n1)
    return n0, n1, min(max(p, 1), 4095)


@njit(cache=True, inline="always")
def network_inputs(x, j, cum, apms, cells, expected, bit, c0, c1, stretch):  # pragma: no cover
    """The inputs into x[j:], the APM cells that learn into cells; returns weight set NETWORK's
    selector."""
    _, _, p = _bit_counts(cum, bit, c0)
    x[j] = stretch[p]
    x[j + 1] = (p - 2048) >> 2
    agrees = (expected >> (8 - bit)) == c0
    rows = (_BY_C0 + c0, _BY_C1 + ((c1 << 8) | c0),
            _BY_EXPECTED + (((expected & 255) << 3 | bit) if agrees else 2048 + c0))  # fmt: skip
    for k in range(3):
        pa, cells[k] = apm(stretch, apms, rows[k], p)
        x[j + 2 + k] = stretch[pa >> 4]
    return (expected & 255) if agrees else 256 + ((stretch[p] + 2048) >> 8)


@njit(cache=True, inline="always")
def given_inputs(x, j, cum, apms, cells, expected, bit, c0, c1, stretch):  # pragma: no cover
    """A PyTorch network's inputs into x[j:] (GIVEN_INPUTS), as network_inputs does."""
    n0, n1, p = _bit_counts(cum, bit, c0)
    x[j] = stretch[p]
    pa, cells[0] = apm(stretch, apms, _BY_C0 + c0, p)
    x[j + 1] = stretch[pa >> 4]
    pa, cells[1] = apm(stretch, apms, _BY_C1 + ((c1 << 8) | c0), p)
    x[j + 2] = stretch[pa >> 4]
    selector = 0
    if (expected >> (8 - bit)) == c0:
        confident = 0 if n0 + n1 == 0 else (max(n0, n1) * 4) // (n0 + n1)  # 2..4
        selector = 1 + ((expected >> (7 - bit)) & 1) + 2 * min(confident - 2, 2)
    return selector


@njit(cache=True, inline="always")
def network_update(apms, cells, apm_count, y, reciprocal):  # pragma: no cover
    for k in range(apm_count):
        update_apm(apms, cells[k], y, reciprocal)
