"""Stationary maps: some contexts' hashes (registry: flag "s") also key a probability per bit
that adapts as 1/(n + 1.5) up to the state maps' limit, so they keep a frequent context's odds
where a bit history forgets. One input each (levels 2-9).

A map's cells come 16 per nibble (cell 0 a check, 1-15 the nibble's binary tree), 2-way
associative, replaced by least use.
"""

from __future__ import annotations

from numba import njit

from .maps import HALF, update_map
from .registry import STATIONARY


@njit(cache=True, inline="always")
def find_cells(cells, q, h, mask):  # pragma: no cover (compiled)
    """The 16 cells of hash h in map q: of two neighbours, the one whose cell 0 holds h's check,
    else the less used, cleared."""
    check = (h >> 16) | 1  # never HALF: an unused block matches no check
    base = h & mask
    best, best_n = -1, 1 << 30
    for k in range(2):
        i = ((base ^ k) & mask) << 4
        if cells[q, i] == check:
            return i
        n = cells[q, i + 1] & 1023
        if n < best_n:
            best, best_n = i, n
    cells[q, best] = check
    for j in range(1, 16):
        cells[q, best + j] = HALF
    return best


@njit(cache=True, inline="always")
def stationary_find(maps, blocks, count, hashes, mask):  # pragma: no cover
    """Each map's block for this nibble, by its context's hash (per byte, then per nibble)."""
    for q in range(count):
        blocks[q] = find_cells(maps, q, hashes[STATIONARY[q]], mask)


@njit(cache=True, inline="always")
def stationary_inputs(x, j, maps, blocks, cells, count, nib, stretch):  # pragma: no cover
    """stretch(p) of each map's cell for the bits so far into x[j:]; remembers the cells."""
    for q in range(count):
        cells[q] = blocks[q] + nib
        x[j + q] = stretch[maps[q, cells[q]] >> 20]


@njit(cache=True, inline="always")
def stationary_update(maps, cells, count, y, reciprocal):  # pragma: no cover
    for q in range(count):
        update_map(maps, q, cells[q], y, reciprocal)
