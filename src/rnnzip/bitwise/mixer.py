"""The mixer: layer 1 has SETS weight sets, each a table of rows selected by a small context
(layout.WeightSet); each selected row weighs all inputs into one prediction. Layer 2 has
FINAL_NEURONS neurons, each weighing layer 1's outputs with a row selected by a context of its
own; their outputs are averaged in the stretched domain.

Each row of layer 1 learns at a rate of its own, falling from LEARNING_RATE_START to
LEARNING_RATE_END, halfway after LEARNING_RATE_HALF updates of that row (a rarely selected row
learns fast, a busy one settles), and only from errors above SKIP_ERROR. Weights are 16.16 fixed
point; inputs are stretched probabilities (12 bits) or scaled alike.
"""

from __future__ import annotations

from numba import njit

from .hashing import hash2
from .layout import (
    FAST_SETS,
    FINAL_FIRST_ROW,
    FINAL_NEURONS,
    FINAL_STRIDE,
    INPUTS,
    SET_FIRST_ROW,
    SETS,
    Byte,
    Stream,
    WeightSet,
)  # fmt: skip

LEARNING_RATE_START, LEARNING_RATE_END, LEARNING_RATE_HALF = 768, 16, 32  # in 16ths
FAST_LEARNING_RATE_START, FAST_LEARNING_RATE_HALF = 1024, 64  # level 1's (FAST_SETS)
SKIP_ERROR = 17  # of 4096
FINAL_LEARNING_RATE = 3  # layer 2, in halves (x err >> 15)


@njit(cache=True, inline="always")
def squash_clamped(squash, x):  # pragma: no cover (compiled)
    """squash(x) for a stretched x clamped to +-2047."""
    if x > 2047:
        x = 2047
    if x < -2047:
        x = -2047
    return squash[x + 2047]


@njit(cache=True, inline="always")
def byte_rows(f, st, group):  # pragma: no cover
    """The rows of the sets whose selector stays the same for a byte's 8 bits."""
    hist = st[Stream.HISTORY]
    f[Byte.ORDER4_ROW] = hash2(hist & 0xFFFFFFFF, 5) & 2047
    selector = (group[hist & 255] * 8 + min(st[Stream.WORD_LENGTH], 4)) * 4 + min(f[Byte.DEPTH], 3)
    f[Byte.SPACES_ROW] = hash2(f[Byte.SPACES], selector) & 4095


@njit(cache=True, inline="always")
def select_rows(w, f, st, sets, bit, c0, known, present, network_selector):  # pragma: no cover
    """Each set's row for this bit (w.rows) and each layer-2 neuron's (w.final_rows)."""
    rows = w.rows
    hist = st[Stream.HISTORY]
    c1, c2, c3 = hist & 255, (hist >> 8) & 255, (hist >> 16) & 255
    length = st[Stream.MATCH_LENGTH]
    classes = st[Stream.CLASSES]
    rows[WeightSet.C0] = c0
    rows[WeightSet.C1_MATCH] = c1 * 4 + (0 if length == 0 else (1 if length < 16 else (2 if length < 32 else 3)))
    rows[WeightSet.ORDERS_SEEN] = (known + 6 * (c1 >> 5)) * 8 + bit
    rows[WeightSet.C2] = c2 * 8 + bit
    rows[WeightSet.WORD_LENGTH] = min(st[Stream.WORD_LENGTH], 7) * 256 + c0
    rows[WeightSet.CLASSES] = (classes & 255) * 8 + bit
    rows[WeightSet.NETWORK] = network_selector * 8 + bit
    rows[WeightSet.ABOVE] = (f[Byte.ABOVE] & 255) * 8 + bit
    if sets > FAST_SETS:  # 3 hashes per bit that level 1 skips
        shape = st[Stream.SHAPE]
        rows[WeightSet.ORDER4] = f[Byte.ORDER4_ROW]
        rows[WeightSet.ORDER2] = hash2(hist & 0xFFFF, c0) & 4095
        rows[WeightSet.SHAPE] = hash2(f[Byte.WORD_SHAPE] << 16 | (shape & 0xFFFF), c0) & 4095
        rows[WeightSet.TYPES] = hash2(shape & 0xFFFFFF, c0) & 8191
        rows[WeightSet.C3] = c3 * 8 + bit
        if bit:
            cc = (c0 << (8 - bit)) & 255
            if bit == 1:
                cc |= c3 >> 1
            rows[WeightSet.HIGH_BITS] = (min(bit, 5) << 8) | (c1 >> 5) | ((c2 >> 5) << 3) | (cc & 192)
        else:
            rows[WeightSet.HIGH_BITS] = (c3 >> 7) | (((hist >> 31) & 1) << 1) | ((c2 >> 6) << 2) | (c1 & 240)
        partial = c0 - (1 << bit)
        rows[WeightSet.C1_FLAGS] = c1 | ((bit > 5) << 8) | ((partial == 0 or partial == (1 << bit) - 1) << 9)
        rows[WeightSet.GROUPS] = hash2(st[Stream.GROUPS] & 0xFFFFFFFF, c0) & 16383
        rows[WeightSet.PRESENT] = min(present, 63) * 8 + bit
        rows[WeightSet.SPACES] = f[Byte.SPACES_ROW]
    w.final_rows[0] = (1 if length > 0 else 0) * 8 + bit
    w.final_rows[1] = FINAL_FIRST_ROW[1] + c0
    w.final_rows[2] = FINAL_FIRST_ROW[2] + c1
    w.final_rows[3] = FINAL_FIRST_ROW[3] + (classes & 255)


@njit(cache=True, inline="always")
def mix(mixer, w, x, n_inputs, sets, squash):  # pragma: no cover
    """Both layers' prediction (12 bits) from the inputs x[:n_inputs]; returns (p, the loads' sum).
    Every selected row's cache lines are loaded before any is used, so that the misses overlap."""
    weights = mixer.weights
    touch = 0
    for k in range(sets):
        w0 = (SET_FIRST_ROW[k] + w.rows[k]) * INPUTS
        for i in range(0, n_inputs, 8):
            touch += weights[w0 + i]
    for n in range(FINAL_NEURONS):
        w.final_dots[n] = 0
    for k in range(sets):
        w0 = (SET_FIRST_ROW[k] + w.rows[k]) * INPUTS
        dot = 0
        for i in range(n_inputs):
            dot += weights[w0 + i] * x[i]
        dot >>= 16
        dot = min(max(dot, -2047), 2047)
        w.dots[k] = dot
        w.probs[k] = squash_clamped(squash, dot)
        for n in range(FINAL_NEURONS):
            w.final_dots[n] += mixer.final_weights[w.final_rows[n] * FINAL_STRIDE + k] * dot
    promoted = w.dots[SETS]
    if promoted:
        for n in range(FINAL_NEURONS):
            w.final_dots[n] += mixer.final_weights[w.final_rows[n] * FINAL_STRIDE + SETS] * promoted
    total = 0
    for n in range(FINAL_NEURONS):
        total += w.final_dots[n]
        w.final_probs[n] = squash_clamped(squash, w.final_dots[n] >> 16)
    return squash_clamped(squash, (total // FINAL_NEURONS) >> 16), touch


@njit(cache=True, inline="always")
def mixer_update(mixer, w, x, n_inputs, sets, y):  # pragma: no cover
    """Both layers learn bit y."""
    for n in range(FINAL_NEURONS):
        err = ((y << 12) - w.final_probs[n]) * FINAL_LEARNING_RATE
        w0 = w.final_rows[n] * FINAL_STRIDE
        for k in range(sets):
            mixer.final_weights[w0 + k] += (w.dots[k] * err) >> 15
        mixer.final_weights[w0 + SETS] += (w.dots[SETS] * err) >> 15
    rate_start, rate_half = (
        (LEARNING_RATE_START, LEARNING_RATE_HALF)
        if sets == SETS
        else (FAST_LEARNING_RATE_START, FAST_LEARNING_RATE_HALF)
    )
    for k in range(sets):
        err = (y << 12) - w.probs[k]
        if err > SKIP_ERROR or err < -SKIP_ERROR:
            row = SET_FIRST_ROW[k] + w.rows[k]
            n = mixer.row_counts[row]
            mixer.row_counts[row] = n + 1
            err *= LEARNING_RATE_END + (rate_start - LEARNING_RATE_END) * rate_half // (rate_half + n)
            w0 = row * INPUTS
            for i in range(n_inputs):
                mixer.weights[w0 + i] += (x[i] * err) >> 18
