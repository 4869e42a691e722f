"""Activations of the engine's network in float32 with +, -, *, / only, in a fixed order: the same
bits on every x86-64 target (no libm, no SVML, no fused multiply-add; numba compiles without
fastmath). The network's numbers must agree between encoder and decoder to the last bit."""

from __future__ import annotations

import numpy as np
from numba import njit

_F = np.float32
_TANH_LIMIT = _F(4.97)  # where the rational function below reaches 1 (to 6e-7)
_LOG2E = _F(1.4426950408889634)
# 2**-k, k = 0..126 (y > -126: 1 - k <= 126), for exp's integer part (exact in float32; beyond: 0)
POW2_NEGATIVE = np.array([2.0**-k for k in range(127)], dtype=np.float32)


@njit(cache=True, inline="always")
def tanh(x):  # pragma: no cover (compiled)
    """Padé approximant [7/6] of tanh, clipped: within 1e-4 of tanh everywhere, 1e-6 for |x| < 3."""
    x2 = x * x
    num = x * (_F(135135.0) + x2 * (_F(17325.0) + x2 * (_F(378.0) + x2)))
    y = num / (_F(135135.0) + x2 * (_F(62370.0) + x2 * (_F(3150.0) + _F(28.0) * x2)))
    # selects, not branches (the loops that call it vectorise); far out y may be nan: not selected
    y = _F(1.0) if x >= _TANH_LIMIT else y
    return _F(-1.0) if x <= -_TANH_LIMIT else y


@njit(cache=True, inline="always")
def sigmoid(x):  # pragma: no cover
    return _F(0.5) + _F(0.5) * tanh(_F(0.5) * x)


@njit(cache=True, inline="always")
def exp_negative(x, pow2_negative):  # pragma: no cover
    """exp(x) for x <= 0: 2**(x log2 e) as 2**-k (a table) times 2**f (a degree-6 polynomial,
    least squares, relative error 2e-8 on [0, 1])."""
    y = x * _LOG2E
    if y <= _F(-126.0):
        return _F(0.0)
    k = np.int64(y)  # towards zero: y - k in (-1, 0]
    f = y - _F(k) + _F(1.0)  # in (0, 1]
    p = _F(1.0) + f * (_F(0.69314703) + f * (_F(0.2402294) + f * (_F(0.05548532) + f * (
        _F(0.00967455) + f * (_F(0.0012482840) + f * _F(0.00021540670))))))  # fmt: skip
    return p * pow2_negative[1 - k]
