"""Integer tables of the bitwise engine: the logistic squash/stretch pair and the bit-history
state machine. All are built here from integers, so every machine builds the same tables.
"""

from __future__ import annotations

import numpy as np

# squash(x) = 4096 / (1 + e^(-x/256)) at x = -2048, -1920, ..., 2048, rounded: the logistic
# function in the 12-bit probability domain, interpolated linearly in between.
_SQUASH_POINTS = np.array(
    [1, 2, 4, 6, 10, 17, 27, 45, 74, 120, 194, 311, 488, 747, 1102, 1546, 2048,
     2550, 2994, 3349, 3608, 3785, 3902, 3976, 4022, 4051, 4069, 4079, 4086, 4090, 4092, 4094, 4095],
    dtype=np.int64,
)  # fmt: skip


def _squash_table() -> np.ndarray:
    """squash for every stretch value -2047..2047 (index x + 2047), 1..4095."""
    x = np.arange(-2047, 2048, dtype=np.int64) + 2048
    i, frac = x >> 7, x & 127
    return (_SQUASH_POINTS[i] * (128 - frac) + _SQUASH_POINTS[np.minimum(i + 1, 32)] * frac + 64) >> 7


SQUASH = _squash_table()


def _stretch_table() -> np.ndarray:
    """The inverse of squash for every probability 0..4095: the smallest x with squash(x) >= p."""
    return (np.searchsorted(SQUASH, np.arange(4096), side="left") - 2047).clip(-2047, 2047).astype(np.int64)


STRETCH = _stretch_table()

# ----------------------------------------------------------------------------- bit histories
# A context slot holds one byte: the state of its bit history, a pair of bounded counts (n0, n1)
# of the zeros and ones seen. A new bit adds one to its count and, when the other count is over
# 4, halves the excess of the other (so the history follows recent bits: nonstationary). Counts
# stay within a budget: the larger may grow further the smaller the other is. State 0 is
# (0, 0), an unused slot.
_RUN_LIMITS = (48, 32, 20, 12, 8, 6, 6)  # the largest count allowed for a smaller count of 0, 1, 2, ...


def _allowed(n0: int, n1: int) -> bool:
    small, large = min(n0, n1), max(n0, n1)
    return small < len(_RUN_LIMITS) and large <= _RUN_LIMITS[small]


def _after(n0: int, n1: int, bit: int) -> tuple[int, int]:
    own, other = (n1, n0) if bit else (n0, n1)
    own += 1
    if other > 4:
        other = 4 + (other - 4) // 2
    while not _allowed(*((other, own) if bit else (own, other))):
        if other > 0 and _allowed(*((other - 1, own) if bit else (own, other - 1))):
            other -= 1
        else:
            own -= 1
    return (other, own) if bit else (own, other)


def _state_machine() -> tuple[np.ndarray, np.ndarray]:
    """(next state for bit 0 and bit 1, per state), ((n0, n1) per state), reachable from (0, 0)."""
    states, index, queue = [(0, 0)], {(0, 0): 0}, [(0, 0)]
    while queue:
        pair = queue.pop(0)
        for bit in (0, 1):
            nxt = _after(*pair, bit)
            if nxt not in index:
                index[nxt] = len(states)
                states.append(nxt)
                queue.append(nxt)
    assert len(states) <= 256
    following = np.zeros((256, 2), dtype=np.int64)
    counts = np.zeros((256, 2), dtype=np.int64)
    for s, pair in enumerate(states):
        counts[s] = pair
        following[s] = [index[_after(*pair, 0)], index[_after(*pair, 1)]]
    return following, counts


NEXT_STATE, STATE_COUNTS = _state_machine()
# A state's starting probability of a one, 22 bits: (n1 + 1/2) / (n0 + n1 + 1).
STATE_PRIOR = ((2 * STATE_COUNTS[:, 1] + 1) << 22) // (2 * STATE_COUNTS.sum(axis=1) + 2)
