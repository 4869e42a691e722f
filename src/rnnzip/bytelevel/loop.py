"""The online coding loop shared by encoder and decoder.

The block is cut into B contiguous streams of `steps` symbols (the last ones may be shorter).
At step t the predictor gives a distribution for symbol t of every stream; one coder call codes
the symbols of the active streams; the symbols go back to the predictor. Encoder and decoder
differ only in the coder: the encoder knows the symbols, the decoder reads them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..streams import Layout, Predictor
from .range_coder import CodeStep, coder_probabilities


def run(
    predictor: Predictor,
    code: CodeStep,
    layout: Layout,
    rows: np.ndarray,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Step through the block; `rows` (steps, batch) holds the symbols when encoding and
    receives them when decoding."""
    try:
        for t in range(layout.steps):
            active = layout.active(t)
            probs = coder_probabilities(predictor.probabilities()[:active].cpu().numpy())
            rows[t, :active] = code(rows[t, :active], probs)
            predictor.observe(rows[t], active)
            if progress is not None:
                progress(active)
    finally:
        predictor.close()
