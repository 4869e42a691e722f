"""The byte history: orders 2-7, 10 and 12, byte classes, high nibbles, and what followed c1.

Its state: the stream's last 7 bytes (HISTORY), their classes (CLASSES), the high nibbles of the
last 8 (NIBBLES), and per byte value the 3 bytes that followed its last occurrences (`indirect`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .hashing import hash2
from .layout import Stream


@njit(cache=True, inline="always")
def history_contexts(ctx, st, data, here, t, b, indirect):  # pragma: no cover (compiled)
    """Hash this model's contexts of the byte at `here` (position t of stream b) into ctx."""
    hist = st[Stream.HISTORY]
    c1 = hist & 255
    classes = st[Stream.CLASSES]
    nibbles = st[Stream.NIBBLES]
    ctx[0] = hash2(hist & 0xFFFF, 2)  # order 2
    ctx[1] = hash2(hist & 0xFFFFFF, 3)  # order 3
    ctx[2] = hash2(hist & 0xFFFFFFFF, 4)  # order 4
    ctx[3] = hash2(hist & 0xFFFFFFFFFF, 5)  # order 5
    ctx[4] = hash2(hist & 0xFFFFFFFFFFFF, 6)  # order 6
    ctx[5] = hash2(hist, 7)  # order 7
    ctx[12] = hash2(classes * 256 + c1, 17)  # classes and c1
    ctx[17] = hash2((classes & 0xFFF) * 65536 + (hist & 0xFFFF), 22)  # classes and order 2
    older = 0  # the three bytes before the history, within this stream
    if t >= 10:
        older = np.int64(data[here - 8]) | np.int64(data[here - 9]) << 8 | np.int64(data[here - 10]) << 16
    ctx[18] = hash2(hash2(hist, older), 23)  # order 10
    ctx[28] = hash2(nibbles & 0xFFF, 38)  # high nibbles of 3 bytes
    ctx[29] = hash2(nibbles, 39)  # of 8 bytes
    o12 = 0  # bytes 8-12 back, within this stream
    if t >= 12:
        for q in range(8, 12):
            o12 = (o12 << 8) | np.int64(data[here - q - 1])
    ctx[35] = hash2(hash2(hist, o12), 48)  # order 12
    ctx[36] = hash2(c1 << 24 | indirect[c1], 50)  # c1 and the bytes that followed it
    ctx[48] = hash2((hist & 0xFFFF) * 4096 + b, 11)  # stream-local order 2
    ctx[49] = hash2((hist & 0xFFFFFF) * 4096 + b, 12)  # stream-local order 3


@njit(cache=True, inline="always")
def history_update(st, byte, indirect, byte_class):  # pragma: no cover
    """The byte is known: shift it into the history (first of the models to update)."""
    hist = st[Stream.HISTORY]
    c1 = hist & 255
    indirect[c1] = ((indirect[c1] << 8) | byte) & 0xFFFFFF
    st[Stream.HISTORY] = ((hist << 8) | byte) & 0xFFFFFFFFFFFFFF
    st[Stream.CLASSES] = ((st[Stream.CLASSES] << 3) | byte_class[byte]) & 0xFFFF
    st[Stream.NIBBLES] = ((st[Stream.NIBBLES] << 4) | (0 if byte == 32 else byte >> 4)) & 0xFFFFFFFF
