"""What the text models know of bytes: classes, letters, letter types and groups, as tables
indexed by byte value (built from integers and Python's Unicode database, the same everywhere)."""

from __future__ import annotations

import numpy as np


def _byte_class(c: int) -> int:
    """other 0, lower 1, upper 2, digit 3, space 4, newline 5, >= 0x80 6, punctuation 7"""
    if 97 <= c <= 122:
        return 1
    if 65 <= c <= 90:
        return 2
    if 48 <= c <= 57:
        return 3
    if c in (32, 10):
        return 4 if c == 32 else 5
    if c >= 128:
        return 6
    return 7 if c in b".,;:!?" else 0


BYTE_CLASS = np.array([_byte_class(c) for c in range(256)], dtype=np.int64)
# case-folded byte + 1 for ASCII letters and every byte >= 0x80 (UTF-8 letters of any script), else 0
WORD_LETTER = np.array(
    [(c | 32) + 1 if 65 <= c <= 90 or 97 <= c <= 122 else (c + 1 if c >= 128 else 0) for c in range(256)],
    dtype=np.int64,
)


def _letter_type(c: int) -> int:
    """A letter's or digit's type in a token's shape: e, other vowels, y, other consonants, a byte
    of a non-ASCII letter, 0, other digits ('th' is told apart by the tokens model)."""
    if c >= 128:
        return 128
    if not WORD_LETTER[c]:
        return 48 if c == 48 else 49
    lower = c | 32
    return lower if lower in b"ey" else 97 if lower in b"aiou" else 98


LETTER_TYPE = np.array([_letter_type(c) for c in range(256)], dtype=np.int64)
# a byte's character group: 'a' lower-case ASCII letters, 'A' capitals, '0' digits, 128 bytes >= 0x80;
# every other byte is its own group
GROUP = np.array(
    [97 if 97 <= c <= 122 else 65 if 65 <= c <= 90 else 48 if 48 <= c <= 57 else min(c, 128) for c in range(256)],
    dtype=np.int64,
)
RUN_GROUPS = np.array([c in (97, 65, 48, 128) for c in range(256)], dtype=np.int64)  # a run of them is one token
# the code points of 2-byte UTF-8 sequences (below 0x800), each as its lower case where that is one
# code point below 0x800
FOLD_2BYTE = np.array(
    [ord(chr(cp).lower()) if len(chr(cp).lower()) == 1 and ord(chr(cp).lower()) < 0x800 else cp for cp in range(0x800)],
    dtype=np.int64,
)
