"""The engine's own network: an LSTM with coupled input and forget gates (CIFG), run serially in the
compiled loop, one byte at a time, and trained online by truncated backpropagation through time
over windows of the last bytes, with Adam without a first moment (paq8px's recipe).

Layer l sees its own h(t-1), the h(t) of the layer below, a bias and, through a table of rows, the
previous byte; the softmax sees every layer's h(t). float32 throughout, under activations.py's rules:
every sum is a loop in a fixed order. Matrix-vector products are written in "axpy" form (a row of
the matrix times a scalar, added to a vector), which LLVM vectorises without reordering any sum;
backpropagation uses transposed copies of the weights for the same reason. The byte distribution
becomes integer counts in `counts`, the one place where its floats become integers.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .activations import POW2_NEGATIVE, exp_negative, sigmoid, tanh

# The compiled functions use numba's "numpy" error model: a division or sqrt is not checked for a
# zero (none can be: every divisor is at least Adam's epsilon or 1), so their loops vectorise (Adam's
# step 8 times faster). It changes no result.
_F = np.float32
_EPSILON = _F(1e-6)  # Adam's epsilon
COUNT_SCALE = 65536  # counts per unit of probability; every byte counts at least 1


class Lstm(NamedTuple):
    """Weights, their gradients and Adam's second moments; the window's records; the state.
    Gate columns: forget [0, H), candidate [H, 2H), output [2H, 3H). Input rows of a layer: its
    own h(t-1) [0, H), the layer below's h(t) [H, 2H) (layers above the first), the bias 2H."""

    weights: np.ndarray  # (L, 2H + 1, 3H)
    weights_t: np.ndarray  # (L, 3H, 2H + 1), the transposed copy
    embed: np.ndarray  # (L, 256, 3H) the previous byte's row, added to the gates
    output: np.ndarray  # (L H + 1, 256) the softmax's weights, the bias last
    output_t: np.ndarray  # (256, L H)
    grad_weights: np.ndarray
    grad_embed: np.ndarray
    grad_output: np.ndarray
    rms_weights: np.ndarray
    rms_embed: np.ndarray
    rms_output: np.ndarray
    # per step of the window
    inputs: np.ndarray  # (T, L, 2H + 1)
    gates: np.ndarray  # (T, L, 3H) after their activations
    cell_before: np.ndarray  # (T, L, H)
    cell_tanh: np.ndarray  # (T, L, H)
    gate_grads: np.ndarray  # (L, T, 3H) the gradient of the gates' inputs (backpropagation)
    hidden: np.ndarray  # (T, L H + 1) every layer's h(t), and 1 (the softmax's input)
    probs: np.ndarray  # (T, 256) the distribution of the step's next byte (backpropagation: its error)
    byte_in: np.ndarray  # (T,) the byte each step read
    target: np.ndarray  # (T,) the byte that followed
    # the state between bytes
    h: np.ndarray  # (L, H)
    c: np.ndarray  # (L, H)
    counts: np.ndarray  # (1, 257) cumulative integer counts of the next byte's distribution
    settings: np.ndarray  # float32, indexed by LEARNING_RATE .. BETA2_POWER
    counters: np.ndarray  # int64, indexed by POSITION .. FROZEN
    # scratch
    pre: np.ndarray  # (3H) a layer's gate inputs
    delta_h: np.ndarray  # (L, H) the gradient reaching h from the next step
    delta_c: np.ndarray  # (L, H) ... and reaching c
    delta_below: np.ndarray  # (L, H) ... reaching h from the layer above, this step
    delta_all: np.ndarray  # (L H) ... reaching h from the softmax
    delta_in: np.ndarray  # (2H + 1) the gradient of a layer's inputs
    touched: np.ndarray  # (256) bytes read in this window (their embedding rows learn)


# Lstm.settings
LEARNING_RATE, FINAL_RATE, BETA2, CLIP, BETA2_POWER = range(5)
# Lstm.counters
# counters[FROZEN]: how many of the lowest layers keep their weights while coding (all: only the softmax learns)
POSITION, WINDOW, MAX_WINDOW, UPDATES, FROZEN = range(5)


def new_lstm(hidden: int, layers: int, window: int, seed: int, learning_rate: float, final_rate: float,
             beta2: float, clip: float) -> Lstm:  # fmt: skip
    """A network with uniform random weights of scale 1/sqrt(inputs), from `seed` by PCG64's raw
    output (stable across numpy versions); embeddings and biases start at zero."""
    f32 = np.float32
    H, L, T = hidden, layers, window
    bits = np.random.PCG64(seed)

    def uniform(shape: tuple[int, ...], scale: float) -> np.ndarray:
        raw = bits.random_raw(int(np.prod(shape))) >> np.uint64(40)  # 24 bits
        return ((raw.astype(np.float64) / (1 << 23) - 1.0) * scale).astype(f32).reshape(shape)

    weights = uniform((L, 2 * H + 1, 3 * H), 1 / np.sqrt(2 * H))
    weights[:, 2 * H] = 0
    weights[0, H : 2 * H] = 0  # the first layer has no layer below
    output = uniform((L * H + 1, 256), 1 / np.sqrt(L * H))
    output[L * H] = 0
    embed = np.zeros((L, 256, 3 * H), dtype=f32)
    net = Lstm(
        weights, np.ascontiguousarray(weights.transpose(0, 2, 1)), embed, output,
        np.ascontiguousarray(output[: L * H].T),
        np.zeros_like(weights), np.zeros_like(embed), np.zeros_like(output),
        np.zeros_like(weights), np.zeros_like(embed), np.zeros_like(output),
        np.zeros((T, L, 2 * H + 1), dtype=f32), np.zeros((T, L, 3 * H), dtype=f32),
        np.zeros((T, L, H), dtype=f32), np.zeros((T, L, H), dtype=f32), np.zeros((L, T, 3 * H), dtype=f32),
        np.zeros((T, L * H + 1), dtype=f32), np.zeros((T, 256), dtype=f32),
        np.zeros(T, dtype=np.int64), np.zeros(T, dtype=np.int64),
        np.zeros((L, H), dtype=f32), np.zeros((L, H), dtype=f32), np.zeros((1, 257), dtype=np.int64),
        np.array([learning_rate, final_rate, beta2, clip, 1.0], dtype=f32),
        np.array([0, _FIRST_WINDOW, T, 0, 0], dtype=np.int64),
        np.zeros(3 * H, dtype=f32), np.zeros((L, H), dtype=f32), np.zeros((L, H), dtype=f32),
        np.zeros((L, H), dtype=f32), np.zeros(L * H, dtype=f32), np.zeros(2 * H + 1, dtype=f32),
        np.zeros(256, dtype=np.int64),
    )  # fmt: skip
    return net


def load_weights(net: Lstm, trained: dict[str, np.ndarray], frozen: int) -> None:
    """Start from trained weights and second moments (a prior): full windows from the first byte,
    no bias correction (the moments are trained); the lowest `frozen` layers keep these weights while
    coding (all of them: only the softmax learns)."""
    for name in ("weights", "embed", "output", "rms_weights", "rms_embed", "rms_output"):
        getattr(net, name)[...] = trained[name]
    L, H = net.h.shape
    net.weights_t[...] = net.weights.transpose(0, 2, 1)
    net.output_t[...] = net.output[: L * H].T
    net.counters[WINDOW] = net.counters[MAX_WINDOW]
    net.counters[FROZEN] = frozen
    net.settings[BETA2_POWER] = 0.0


_FIRST_WINDOW = 4  # the window grows from 4 bytes by one every _GROWTH + its length updates, to MAX_WINDOW
_GROWTH = 12


@njit(cache=True, _nrt=False, error_model="numpy")  # type: ignore[call-overload]
def lstm_next(net, byte):  # pragma: no cover (compiled)
    """The coded byte: the window learns when it is full; then the step that reads the byte gives
    the next byte's counts."""
    s = net.counters[POSITION]
    net.target[s] = byte
    s += 1
    if s == net.counters[WINDOW]:
        lstm_backward(net, s)
        _update(net)
        s = 0
    net.counters[POSITION] = s
    lstm_forward(net, s, byte)


@njit(cache=True, _nrt=False, error_model="numpy")  # type: ignore[call-overload]
def lstm_forward(net, s, byte):  # pragma: no cover
    """One step: every layer reads `byte` and its inputs; the softmax gives net.counts."""
    L, H = net.h.shape
    w, pre = net.weights, net.pre
    net.byte_in[s] = byte
    for layer in range(L):
        z = net.inputs[s, layer]
        for k in range(H):
            z[k] = net.h[layer, k]
            z[H + k] = net.h[layer - 1, k] if layer > 0 else _F(0.0)
        z[2 * H] = _F(1.0)
        for j in range(3 * H):
            pre[j] = net.embed[layer, byte, j] + w[layer, 2 * H, j]
        _add_products(pre, w[layer], z, (2 if layer > 0 else 1) * H, 3 * H)
        # the activations, one kind of value per loop (each loop vectorises)
        gates, c = net.gates[s, layer], net.c[layer]
        before, cell_tanh = net.cell_before[s, layer], net.cell_tanh[s, layer]
        for i in range(H):
            gates[i] = sigmoid(pre[i])  # forget
        for i in range(H, 2 * H):
            gates[i] = tanh(pre[i])  # candidate
        for i in range(2 * H, 3 * H):
            gates[i] = sigmoid(pre[i])  # output
        for i in range(H):
            before[i] = c[i]
        for i in range(H):
            c[i] = gates[i] * before[i] + (_F(1.0) - gates[i]) * gates[H + i]
        for i in range(H):
            cell_tanh[i] = tanh(c[i])
        for i in range(H):
            net.h[layer, i] = gates[2 * H + i] * cell_tanh[i]
        for i in range(H):
            net.hidden[s, layer * H + i] = net.h[layer, i]
    net.hidden[s, L * H] = _F(1.0)
    _softmax(net, s)


@njit(cache=True, inline="always")
def _softmax(net, s):  # pragma: no cover
    n = net.hidden.shape[1] - 1
    logits, out, hidden = net.probs[s], net.output, net.hidden[s]
    for v in range(256):
        logits[v] = out[n, v]
    _add_products(logits, out, hidden, n, 256)
    top = logits[0]
    for v in range(256):
        top = max(top, logits[v])
    total = _F(0.0)
    for v in range(256):
        logits[v] = exp_negative(logits[v] - top, POW2_NEGATIVE)
        total += logits[v]
    cumulative = 0
    for v in range(256):
        logits[v] = logits[v] / total
        net.counts[0, v] = cumulative
        cumulative += np.int64(logits[v] * _F(COUNT_SCALE)) + 1
    net.counts[0, 256] = cumulative


@njit(cache=True, _nrt=False, error_model="numpy")  # type: ignore[call-overload]
def lstm_backward(net, steps):  # pragma: no cover
    """Backpropagation through the window's `steps` steps: the gradients of the window's loss (the
    sum of -ln p(target)) are added to net.grad_*."""
    L, H = net.h.shape
    n = L * H
    delta_in, delta_all, errors = net.delta_in, net.delta_all, net.probs
    clip = net.settings[CLIP]
    for s in range(steps):  # the softmax's error, in place of its distribution
        errors[s, net.target[s]] -= _F(1.0)
    # its weights' gradient a row at a time (the row stays in the cache), every sum from the last step
    for k in range(n + 1):
        _add_steps(net.grad_output[k], errors, net.hidden[:, k], steps)
    frozen = net.counters[FROZEN]
    if frozen == L:
        return
    net.delta_h[:] = 0
    net.delta_c[:] = 0
    for s in range(steps - 1, -1, -1):
        # the gradient reaching every h from the softmax
        delta_all[:] = 0
        _add_products(delta_all, net.output_t, errors[s], 256, n)
        byte = net.byte_in[s]
        net.touched[byte] = 1
        for layer in range(L - 1, frozen - 1, -1):
            d = net.gate_grads[layer, s]
            for i in range(H):
                dh = delta_all[layer * H + i] + net.delta_h[layer, i] + net.delta_below[layer, i]
                forget = net.gates[s, layer, i]
                candidate = net.gates[s, layer, H + i]
                out = net.gates[s, layer, 2 * H + i]
                cell_tanh = net.cell_tanh[s, layer, i]
                d_out = dh * cell_tanh
                dc = dh * out * (_F(1.0) - cell_tanh * cell_tanh) + net.delta_c[layer, i]
                dc = min(max(dc, -clip), clip)
                d_forget = dc * (net.cell_before[s, layer, i] - candidate)
                d_candidate = dc * (_F(1.0) - forget)
                net.delta_c[layer, i] = dc * forget
                d[i] = d_forget * forget * (_F(1.0) - forget)
                d[H + i] = d_candidate * (_F(1.0) - candidate * candidate)
                d[2 * H + i] = d_out * out * (_F(1.0) - out)
                net.delta_below[layer, i] = _F(0.0)
            below = layer > frozen  # the layer below learns: it needs the gradient reaching its h
            rows = (2 if below else 1) * H
            for k in range(rows):
                delta_in[k] = _F(0.0)
            _add_products(delta_in, net.weights_t[layer], d, 3 * H, rows)
            for i in range(H):
                net.delta_h[layer, i] = delta_in[i]
                if below:
                    net.delta_below[layer - 1, i] = delta_in[H + i]
    # the gates' weights' gradients a row at a time, every sum from the last step (as above)
    for layer in range(frozen, L):
        grads = net.gate_grads[layer]
        for k in range((2 if layer > 0 else 1) * H):
            _add_steps(net.grad_weights[layer, k], grads, net.inputs[:, layer, k], steps)
        for s in range(steps - 1, -1, -1):
            bias, row = net.grad_weights[layer, 2 * H], net.grad_embed[layer, net.byte_in[s]]
            for j in range(3 * H):
                bias[j] += grads[s, j]
                row[j] += grads[s, j]


@njit(cache=True, inline="always")
def _add_products(acc, matrix, x, rows, width):  # pragma: no cover
    """acc[j] += matrix[k, j] * x[k] for j < width, k = 0 .. rows - 1 in this order, four rows a pass:
    the same sums, with acc read and written once per four rows instead of every row."""
    whole = rows - rows % 4
    for k in range(0, whole, 4):
        x0, x1, x2, x3 = x[k], x[k + 1], x[k + 2], x[k + 3]
        m0, m1, m2, m3 = matrix[k], matrix[k + 1], matrix[k + 2], matrix[k + 3]
        for j in range(width):
            a = acc[j] + m0[j] * x0
            a = a + m1[j] * x1
            a = a + m2[j] * x2
            acc[j] = a + m3[j] * x3
    for k in range(whole, rows):
        xk, mk = x[k], matrix[k]
        for j in range(width):
            acc[j] += mk[j] * xk


@njit(cache=True, inline="always")
def _add_steps(acc, records, x, steps):  # pragma: no cover
    """acc[j] += records[s, j] * x[s] for s = steps - 1 .. 0, backpropagation's order: a row of
    gradients stays in the cache while every step adds to it."""
    for t in range(steps - 1, -1, -1):
        xt, rt = x[t], records[t]
        for j in range(acc.size):
            acc[j] += rt[j] * xt


@njit(cache=True, inline="always")
def _adam_row(weights, grads, rms, rate, beta2, correction):  # pragma: no cover
    for j in range(weights.size):
        g = grads[j]
        v = beta2 * rms[j] + (_F(1.0) - beta2) * g * g
        rms[j] = v
        weights[j] -= rate * g / (np.sqrt(v * correction) + _EPSILON)
        grads[j] = _F(0.0)


@njit(cache=True, inline="always")
def _transpose(a, a_t, rows, columns):  # pragma: no cover
    """a_t[j, k] = a[k, j] for k < rows (backpropagation reads no bias row), in strips of 16 columns:
    each strip's reads and writes stay in the cache."""
    for j0 in range(0, columns, 16):
        for k in range(rows):
            for j in range(j0, min(j0 + 16, columns)):
                a_t[j, k] = a[k, j]


@njit(cache=True, inline="always")
def _update(net):  # pragma: no cover
    """Adam without a first moment at a rate that decays as 1/sqrt(updates) to the final rate; the
    window grows; the transposed copies follow."""
    L, H = net.h.shape
    n = L * H
    st, ct = net.settings, net.counters
    updates = ct[UPDATES] + 1
    ct[UPDATES] = updates
    beta2 = st[BETA2]
    st[BETA2_POWER] *= beta2
    correction = _F(1.0) / (_F(1.0) - st[BETA2_POWER])
    rate = st[LEARNING_RATE] / np.sqrt(_F(1.0) + _F(updates) * _F(_DECAY))
    rate = max(rate, st[FINAL_RATE])
    for layer in range(ct[FROZEN], L):
        for k in range(2 * H + 1):
            if layer == 0 and H <= k < 2 * H:
                continue
            _adam_row(net.weights[layer, k], net.grad_weights[layer, k], net.rms_weights[layer, k], rate, beta2,
                      correction)  # fmt: skip
        for byte in range(256):
            if net.touched[byte]:
                _adam_row(net.embed[layer, byte], net.grad_embed[layer, byte], net.rms_embed[layer, byte], rate,
                          beta2, correction)  # fmt: skip
        _transpose(net.weights[layer], net.weights_t[layer], (2 if layer > 0 else 1) * H, 3 * H)
    net.touched[:] = 0
    for k in range(n + 1):
        _adam_row(net.output[k], net.grad_output[k], net.rms_output[k], rate, beta2, correction)
    if ct[FROZEN] < L:  # only backpropagation into h reads it
        _transpose(net.output, net.output_t, n, 256)
    window = ct[WINDOW]
    if window < ct[MAX_WINDOW] and updates % (_GROWTH + window) == 0:
        ct[WINDOW] = window + 1


_DECAY = 1.0 / 1024  # the rate's decay per update
