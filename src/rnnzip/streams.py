"""How a block is cut into streams for coding, and what a network predictor offers: shared by
the bitwise engine and the byte-level engine of format 3."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class Layout:
    length: int  # symbols in the block
    batch: int  # streams; stream i holds symbols [i*steps, (i+1)*steps)
    steps: int  # symbols of the longest stream

    @classmethod
    def of(cls, length: int, batch: int) -> Layout:
        """At most `batch` streams, none empty."""
        steps = math.ceil(length / max(1, min(batch, length)))
        return cls(length, math.ceil(length / steps), steps)

    def active(self, t: int) -> int:
        """Streams that still have a symbol at step t: always a prefix 0..k-1."""
        return min(self.batch, math.ceil((self.length - t) / self.steps))

    def to_steps(self, symbols: np.ndarray) -> np.ndarray:
        """(length,) -> (steps, batch): row t holds symbol t of every stream (padded with 0)."""
        padded = np.zeros(self.batch * self.steps, dtype=np.int32)
        padded[: self.length] = symbols
        return np.ascontiguousarray(padded.reshape(self.batch, self.steps).T)

    def from_steps(self, rows: np.ndarray) -> np.ndarray:
        return rows.T.reshape(-1)[: self.length]


class Predictor(Protocol):
    def probabilities(self) -> torch.Tensor: ...
    def observe(self, coded: np.ndarray, active: int) -> None: ...
    def close(self) -> None: ...
