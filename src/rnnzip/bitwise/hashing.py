"""The engine's hash: 32 well-mixed bits of two int64 values. Context ids seed it, so its
constants are part of the file format."""

from __future__ import annotations

from numba import njit

_GOLDEN = -7046029254386353131  # 0x9E3779B97F4A7C15 as int64 (numba would turn a uint64 into floats)
_MIX = -4658895280553007687  # 0xBF58476D1CE4E5B9 as int64


@njit(cache=True, inline="always")
def hash2(a, b):  # pragma: no cover (compiled)
    """32 well-mixed bits of a and b."""
    x = (a * _GOLDEN + b) * _MIX
    x ^= x >> 31
    x *= _GOLDEN
    return (x >> 32) & 0xFFFFFFFF
