"""Every hashed context of the engine, once: its id, what it is, the model that hashes it, its
place in the order that smaller levels take contexts, and which inputs it feeds.

A context's id is its slot in the per-byte hash array; its hash seed (part of the format) sits
beside its hash in the model that computes it (history.py, words.py, lines.py, brackets.py,
tokens.py). Measurements of each context: docs/MEASUREMENTS.md, "Contexts".
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..contract import CM_SHARED_CONTEXTS


class Context(NamedTuple):
    id: int
    name: str
    model: str  # the module that hashes it
    priority: int  # a level with n shared contexts runs those of priority 0..n-1 (-1: stream-local)
    flags: str  # "r": a run input (the byte that last followed it); "s": it also keys a stationary map

    @property
    def run(self) -> bool:
        return "r" in self.flags

    @property
    def stationary(self) -> bool:
        return "s" in self.flags


# fmt: off
CONTEXTS = (
        Context(0, "order 2", "history", 0, "s"),
    Context(1, "order 3", "history", 1, "rs"),
    Context(2, "order 4", "history", 2, "rs"),
    Context(3, "order 5", "history", 7, "rs"),
    Context(4, "order 6", "history", 3, "rs"),
    Context(5, "order 7", "history", 8, "rs"),
    Context(6, "word and c1", "words", 4, "rs"),
    Context(7, "word and previous word", "words", 5, "rs"),
    Context(8, "column, byte above and c1", "lines", 12, ""),
    Context(9, "last letters and digits", "words", 9, "rs"),
    Context(10, "gap since the last word and that word", "words", 13, ""),
    Context(11, "the last three words", "words", 10, "rs"),
    Context(12, "classes of the last bytes and c1", "history", 14, ""),
    Context(13, "column and c1", "lines", 6, ""),
    Context(14, "word, c1 and the word before the previous", "words", 11, "r"),
    Context(15, "column and classes", "lines", 16, ""),
    Context(16, "column, previous line's length, c1 a space", "lines", 17, ""),
    Context(17, "classes and order 2", "history", 18, ""),
    Context(18, "order 10", "history", 19, "r"),
    Context(19, "word length and order 2", "words", 20, ""),
    Context(20, "gap before the word, the word before it, c1", "words", 21, "r"),
    Context(21, "bracket nesting and c1", "brackets", 15, ""),
    Context(22, "word and c2", "words", 44, "r"),
    Context(23, "word and the line's first byte", "lines", 45, "r"),
    Context(24, "word and the gap before it", "words", 46, "r"),
    Context(25, "the two words before the word", "words", 47, "r"),
    Context(26, "the line (where it starts)", "lines", 22, "r"),
    Context(27, "the line so far", "lines", 23, "r"),
    Context(28, "high nibbles of the last 3 bytes", "history", 24, "r"),
    Context(29, "high nibbles of the last 8 bytes", "history", 25, "r"),
    Context(30, "word and its 1 KB block", "words", 26, "r"),
    Context(31, "word and log2 distance since it last ended", "words", 27, "r"),
    Context(32, "word's shape and the token's last letter types", "tokens", 28, "r"),
    Context(33, "open quote or bracket and the word", "brackets", 29, "r"),
    Context(34, "gap and keyword (last word before ':' or '=')", "words", 30, "r"),
    Context(35, "order 12", "history", 31, "r"),
    Context(36, "c1 and the 3 bytes that followed it (indirect)", "history", 32, "r"),
    Context(37, "word, c1, the sentence's first word and length", "words", 33, "r"),
    Context(38, "word, c1 and the last word of 4+ letters", "words", 34, "r"),
    Context(39, "word, c1 and the bracket heads", "brackets", 42, "r"),
    Context(40, "bracket heads and order 2, inside brackets", "brackets", 35, "r"),
    Context(41, "word and the word that last followed the previous", "words", 36, "r"),
    Context(42, "word and the word that last followed the previous two", "words", 37, "r"),
    Context(43, "word and the one that followed the previous before", "words", 43, "r"),
    Context(44, "the last 6 tokens' character groups", "tokens", 38, "rs"),
    Context(45, "the last 4 tokens' groups and the byte above", "tokens", 39, "r"),
    Context(46, "spaces among the last 7 bytes, column, nesting", "brackets", 40, "r"),
    Context(47, "2 bytes that followed the token so far, 3 groups", "tokens", 41, "r"),
    # stream-local (with several streams only): the stream index hashed in
    Context(48, "order 2 of this stream", "history", -1, ""),
    Context(49, "order 3 of this stream", "history", -1, ""),
    Context(50, "word of this stream", "words", -1, ""),
)
# fmt: on
SHARED = CM_SHARED_CONTEXTS  # contexts every configuration may run (the others are stream-local)
HASHED = len(CONTEXTS)
# the order in which a configuration with fewer shared contexts (cm_contexts) takes them
PRIORITY = np.argsort([c.priority for c in CONTEXTS[:SHARED]]).astype(np.int64)
RUNS = np.array([c.run for c in CONTEXTS], dtype=np.int64)
STATIONARY = np.array([c.id for c in CONTEXTS if c.stationary], dtype=np.int64)  # context of stationary map q
