"""Lines and columns: the column, the byte above in the previous line, the line's length, its
first byte, and the line so far.

Its state: the stream's COLUMN, LINE, PREVIOUS_LINE (where they start) and LINE_HASH fields.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .hashing import hash2
from .layout import Byte, Stream


@njit(cache=True, inline="always")
def lines_contexts(ctx, f, st, data, here):  # pragma: no cover (compiled)
    """Hash this model's contexts into ctx; set the ABOVE feature."""
    hist = st[Stream.HISTORY]
    c1 = hist & 255
    column, line, previous_line = st[Stream.COLUMN], st[Stream.LINE], st[Stream.PREVIOUS_LINE]
    above = 0
    if previous_line >= 0 and previous_line + column < line:
        above = np.int64(data[previous_line + column]) + 1
    f[Byte.ABOVE] = above
    col = min(column, 255)
    ctx[8] = hash2(above * 4096 + col * 256 + c1, 10)
    ctx[13] = hash2(col * 256 + c1, 18)
    ctx[15] = hash2(col * 256 + (st[Stream.CLASSES] & 255), 20)
    previous_length = min(line - previous_line, 255) if previous_line >= 0 else 0
    ctx[16] = hash2(col * 65536 + previous_length * 2 + (c1 == 32), 21)
    first = np.int64(data[line]) if line < here else 256  # the line's first byte (none yet: 256)
    ctx[23] = hash2(st[Stream.WORD] * 512 + first, 32)
    ctx[26] = hash2(line, 35)
    ctx[27] = hash2(st[Stream.LINE_HASH], 37)


@njit(cache=True, inline="always")
def lines_update(st, byte, here):  # pragma: no cover
    """The byte is known: a newline starts a line."""
    if byte == 10:
        st[Stream.PREVIOUS_LINE] = st[Stream.LINE]
        st[Stream.COLUMN], st[Stream.LINE] = 0, here + 1
        st[Stream.LINE_HASH] = 0
    else:
        st[Stream.COLUMN] += 1
        st[Stream.LINE_HASH] = hash2(st[Stream.LINE_HASH], byte + 1)
