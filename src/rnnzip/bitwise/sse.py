"""SSE: five APMs refine the mixer's prediction, by c0; by order 2, order 3, the token's shape and
the match state (expected byte, length up to 15) with c1, each hashed with c0. Their outputs are
averaged with the mix (which weighs twice an APM), and the result kept off 0 and 1 by P16_MIN.
"""

from __future__ import annotations

from numba import njit

from .hashing import hash2
from .layout import Byte, Stream
from .maps import apm, update_apm

APMS = 5
APMS_HASHED = 4  # after the one by c0
P16_MIN = 4  # the coder's probability stays within [P16_MIN, 65536 - P16_MIN] (of 65536)


@njit(cache=True, inline="always")
def refine(apms, cells, f, st, pm, c0, stretch, mask):  # pragma: no cover (compiled)
    """The coder's P(1) in 16 bits from the mixer's pm (12 bits); each APM's cells into `cells`.
    The hashed APMs have mask + 1 rows each, after the 256 of c0."""
    hist = st[Stream.HISTORY]
    shape = f[Byte.WORD_SHAPE] << 32 | st[Stream.SHAPE]
    match = (f[Byte.EXPECTED] * 16 + min(st[Stream.MATCH_LENGTH], 15)) * 256 + (hist & 255)
    a1, cells[0] = apm(stretch, apms, c0, pm)
    rows = mask + 1
    a2, cells[1] = apm(stretch, apms, 256 + (hash2(hist & 0xFFFF, c0) & mask), pm)
    a3, cells[2] = apm(stretch, apms, 256 + rows + (hash2(hist & 0xFFFFFF, c0) & mask), pm)
    a4, cells[3] = apm(stretch, apms, 256 + 2 * rows + (hash2(shape, c0) & mask), pm)
    a5, cells[4] = apm(stretch, apms, 256 + 3 * rows + (hash2(match, c0) & mask), pm)
    p16 = (pm * 32 + a1 + 2 * a2 + 2 * a3 + 2 * a4 + 2 * a5 + 5) // 11
    return min(max(p16, P16_MIN), 65536 - P16_MIN)


@njit(cache=True, inline="always")
def sse_update(apms, cells, y, reciprocal):  # pragma: no cover
    for k in range(APMS):
        update_apm(apms, cells[k], y, reciprocal)
