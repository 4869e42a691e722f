"""The bitwise engine's state for one frame, and its encode/decode loops.

Without a network the block is coded in compiled calls of 8 K steps each. With one,
each step is one network prediction (torch), one quantisation of it to integer counts, and one
compiled call that codes the step's bytes of all streams; the coded bytes go back to the
network.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..contract import NETWORKS
from . import coder, kernel
from .state import new_engine

if TYPE_CHECKING:
    from ..contract import ModelConfig
    from ..streams import Layout, Predictor

Progress = Callable[[int], None]
_STEPS_PER_CALL = 1 << 13  # without a network: steps per compiled call (a progress report at least every second)
_PAYLOAD_SLACK = 64  # an encoder output longer than the block plus this is stored instead
_NO_NETWORK = np.zeros((1, 257), dtype=np.int64)


class BitwiseModel:
    """The engine's state for one frame (state.new_engine), coded a range of steps at a time."""

    def __init__(self, cfg: ModelConfig, layout: Layout) -> None:
        self.engine = new_engine(cfg, layout)
        self.own_network = NETWORKS[cfg.network].compiled

    def code(self, encode: bool, t_start: int, t_end: int, data: np.ndarray, out: np.ndarray,
             network_counts: np.ndarray | None = None) -> bool:  # fmt: skip
        if self.own_network:
            counts, use = self.engine.lstm.counts, kernel.LSTM
        else:
            counts, use = (_NO_NETWORK, kernel.NO_NETWORK) if network_counts is None else (network_counts, kernel.GIVEN)
        return bool(kernel.code_steps(encode, t_start, t_end, self.engine, data, out, counts, use))

    def finish(self, out: np.ndarray) -> bytes:
        return coder.finish(self.engine.coder, out)

    def start_decoding(self, payload: bytes) -> np.ndarray:
        return coder.start_decoding(self.engine.coder, payload)


def network_counts(probs: np.ndarray) -> np.ndarray:
    """(B, 256) float probabilities -> (B, 257) cumulative integer counts, each byte at least
    1 in 2**16: the one place where the network's floats become integers. Encoder and decoder
    run it on the same floats; a row that is not a distribution counts as uniform."""
    p = np.asarray(probs, dtype=np.float32)
    p = np.where(np.isfinite(p) & (p >= 0) & (p <= 1), p, np.float32(0))
    counts = (p * np.float32(65536)).astype(np.int64) + 1
    cumulative = np.zeros((len(counts), 257), dtype=np.int64)
    np.cumsum(counts, axis=1, out=cumulative[:, 1:])
    return cumulative


def _run(model: BitwiseModel, encoding: bool, data: np.ndarray, out: np.ndarray, layout: Layout,
         network: Predictor | None, progress: Progress | None) -> bool:  # fmt: skip
    """Code the block: in calls of _STEPS_PER_CALL steps without a network, else one step at a time."""
    if network is None:  # in chunks, for progress and so that signals are handled
        for t in range(0, layout.steps, _STEPS_PER_CALL):
            end = min(t + _STEPS_PER_CALL, layout.steps)
            if not model.code(encoding, t, end, data, out):
                return False
            if progress is not None:
                ends = np.minimum(end, layout.length - np.arange(layout.batch) * layout.steps)
                progress(int(np.maximum(ends - t, 0).sum()))
        return True
    starts = np.arange(layout.batch) * layout.steps
    for t in range(layout.steps):
        counts = network_counts(network.probabilities().cpu().numpy())
        if not model.code(encoding, t, t + 1, data, out, counts):
            return False
        active = layout.active(t)
        coded = np.zeros(layout.batch, dtype=np.int64)
        coded[:active] = data[starts[:active] + t]
        network.observe(coded, active)
        if progress is not None:
            progress(active)
    return True


def encode(data: bytes, cfg: ModelConfig, layout: Layout, network: Predictor | None = None,
           progress: Progress | None = None) -> bytes | None:  # fmt: skip
    """The payload for `data`, or None when it would be longer than the data."""
    model = BitwiseModel(cfg, layout)
    raw = np.frombuffer(data, dtype=np.uint8).copy()  # writable: one compiled signature for both sides
    out = np.zeros(len(data) + _PAYLOAD_SLACK, dtype=np.uint8)
    if not _run(model, True, raw, out, layout, network, progress):
        return None
    return model.finish(out)


def decode(payload: bytes, cfg: ModelConfig, layout: Layout, network: Predictor | None = None,
           progress: Progress | None = None) -> bytes:  # fmt: skip
    """The block coded in `payload` (whatever the payload holds: a corrupt one decodes to
    wrong bytes, which the frame's CRC-32 catches)."""
    model = BitwiseModel(cfg, layout)
    data = np.zeros(layout.length, dtype=np.uint8)
    _run(model, False, data, model.start_decoding(payload), layout, network, progress)
    return data.tobytes()
