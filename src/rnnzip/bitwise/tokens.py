"""Tokens: the shape of the current token (letter types in a word or number, else the bytes), the
character groups of the last tokens (a run of letters or digits counts once), and the bytes
that followed the token so far last time (an indirect context).

Its state: the stream's SHAPE and GROUPS fields, and `token_next` (per hash of a token so far,
the 2 bytes that followed it last).
"""

from __future__ import annotations

from numba import njit

from .hashing import hash2
from .layout import Byte, Stream


@njit(cache=True, inline="always")
def tokens_contexts(ctx, f, st, token_next):  # pragma: no cover (compiled)
    """Hash this model's contexts into ctx (after the words and lines models: it reads WORD_SHAPE
    and ABOVE); set the TOKEN_KEY feature."""
    groups = st[Stream.GROUPS]
    ctx[32] = hash2(f[Byte.WORD_SHAPE] << 32 | st[Stream.SHAPE], 44)
    ctx[44] = hash2(groups & 0xFFFFFFFFFFFF, 59)  # the last 6 groups
    ctx[45] = hash2(hash2(groups & 0xFFFFFFFF, f[Byte.ABOVE]), 60)  # the last 4 and the byte above
    word = st[Stream.WORD]
    token_key = (word if st[Stream.WORD_LENGTH] else st[Stream.GAP]) & (token_next.size - 1)  # the word, or the gap
    f[Byte.TOKEN_KEY] = token_key
    ctx[47] = hash2(hash2(token_next[token_key], groups & 0xFFFFFF), 62)


@njit(cache=True, inline="always")
def tokens_update(st, f, hist, byte, token_next, word_letter, letter_type, group, run_groups):  # pragma: no cover
    """The byte is known (hist: the history before it)."""
    c1 = hist & 255
    key = f[Byte.TOKEN_KEY]
    token_next[key] = ((token_next[key] << 8) | byte) & 0xFFFF
    groups = st[Stream.GROUPS]
    g = group[byte]
    if g != (groups & 255) or not run_groups[g]:
        st[Stream.GROUPS] = (groups << 8) | g
    # A letter's value (its word_letter, > 1) never equals the previous byte's 0/1 flag, so each letter
    # restarts the shape: a word's shape is its last letter's type (digits and other bytes accumulate).
    letter = word_letter[byte]
    alnum = letter if letter else (1 if 48 <= byte <= 57 else 0)
    shape = st[Stream.SHAPE]
    if alnum != (1 if (word_letter[c1] != 0 or 48 <= c1 <= 57) else 0):  # a token starts
        shape = 0
    kind = letter_type[byte] if alnum else byte
    if kind == 98 and (byte | 32) == 104 and (c1 | 32) == 116:
        kind = 116  # 'th'
    st[Stream.SHAPE] = ((shape << 8) | kind) & 0xFFFFFFFF
