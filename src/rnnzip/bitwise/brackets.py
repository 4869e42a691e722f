"""Brackets and quotes: the nesting (depth and the last opening bracket), the bracket heads (the
first word inside each open bracket; outside brackets, the line's), the open quote or bracket,
and the spaces among the last bytes with the nesting.

Its state: the stream's NEST, HEADS (one per depth, 0-15) and OPENED fields.
"""

from __future__ import annotations

from numba import njit

from .hashing import hash2
from .layout import Byte, Stream


@njit(cache=True, inline="always")
def brackets_contexts(ctx, f, st):  # pragma: no cover (compiled)
    """Hash this model's contexts into ctx; set the DEPTH and SPACES features."""
    hist = st[Stream.HISTORY]
    c1 = hist & 255
    nest, word = st[Stream.NEST], st[Stream.WORD]
    depth = nest >> 8
    f[Byte.DEPTH] = depth
    ctx[21] = hash2(nest * 256 + c1, 30)
    ctx[33] = hash2(st[Stream.OPENED] * 65536 + word, 45)
    heads = hash2(st[Stream.HEADS + depth], st[Stream.HEADS + max(depth - 1, 0)])
    ctx[39] = hash2(hash2(heads, word) * 256 + c1, 54)
    ctx[40] = hash2(hash2(heads, hist & 0xFFFF), 55) if depth else hash2(0, 55)
    spaces = 0  # which of the last 7 bytes are spaces
    for q in range(7):
        spaces |= (((hist >> (8 * q)) & 255) == 32) << q
    f[Byte.SPACES] = spaces
    ctx[46] = hash2(hash2(spaces, min(st[Stream.COLUMN], 255) * 4096 + nest), 61)


@njit(cache=True, inline="always")
def brackets_update(st, hist, byte, word_letter):  # pragma: no cover
    """The byte is known (hist: the history before it; after the words model, which sets heads)."""
    c1, c2 = hist & 255, (hist >> 8) & 255
    nest = st[Stream.NEST]
    if byte == 10 and nest < 256:  # outside brackets a line has a head of its own
        st[Stream.HEADS] = 0
    if byte == 40 or byte == 91 or byte == 123 or byte == 60:  # ( [ { <
        nest = (min((nest >> 8) + 1, 15) << 8) | byte
        st[Stream.HEADS + (nest >> 8)] = 0
    elif byte == 41 or byte == 93 or byte == 125 or byte == 62:
        nest = max((nest >> 8) - 1, 0) << 8
    st[Stream.NEST] = nest
    alnum = word_letter[byte] != 0 or 48 <= byte <= 57
    opened = st[Stream.OPENED]
    if alnum and (c1 == 34 or (c1 == 39 and not word_letter[c2])):
        opened = c1  # a quote right before a word or number opens
    if not alnum:
        if byte == 40 or byte == 91 or byte == 123 or byte == 60:
            opened = byte
        elif byte == 41 or byte == 93 or byte == 125 or byte == 62:
            opened = 0
        elif byte == 34:
            opened = 0 if opened == 34 else 34
    st[Stream.OPENED] = opened
