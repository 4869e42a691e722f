"""The bitwise engine's state for one frame, and its encode/decode loops.

Without a network the block is coded in a few compiled calls of 64 K steps each. With one,
each step is one network prediction (torch), one quantisation of it to integer counts, and one
compiled call that codes the step's bytes of all streams; the coded bytes go back to the
network.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from . import kernel
from .kernel import FINAL_ROWS, INPUTS, SET_ROWS, SETS

if TYPE_CHECKING:
    from ..contract import ModelConfig
    from ..engine import Layout, Predictor

Progress = Callable[[int], None]
_APM_ROWS = 256 + 4 * 65536  # c0; order 2, order 3, the token's shape, the match state with c1, hashed with c0
_STEPS_PER_CALL = 1 << 16  # without a network: steps per compiled call (about 0.6 s at level 6)
_PAYLOAD_SLACK = 64  # an encoder output longer than the block plus this is stored instead


# a run input's starting probability of a one: (another byte seen, repeats n, expected bit) -> n+1 : 1
# odds, 22 bits
_RUN_PRIOR = np.array(
    [((((n + 1) if bit else 1) << 22) // (n + 2)) << 10 for _ in range(2) for n in range(16) for bit in (0, 1)],
    dtype=np.int64,
)


def match_table_bits(length: int) -> int:
    """About two match-table slots per byte of the block, 2**12..2**22."""
    return int(min(22, max(12, int(length).bit_length() + 1)))


def _apm_table(rows: int) -> np.ndarray:
    """Every row starts as the identity: bucket j holds squash((j - 16) * 128), 16 bits."""
    buckets = kernel.SQUASH[np.clip((np.arange(33) - 16) * 128, -2047, 2047) + 2047] * 16
    return np.tile(buckets.astype(np.int32), rows)


class BitwiseModel:
    """Everything both sides build from the header before the first bit."""

    def __init__(self, cfg: ModelConfig, layout: Layout) -> None:
        length, batch, steps = layout.length, layout.batch, layout.steps
        self.length, self.batch, self.steps = length, batch, steps
        self.contexts = cfg.cm_contexts
        self.sets = kernel.mixer_sets(cfg.cm_contexts)
        self.table = np.zeros(1 << cfg.cm_bits, dtype=np.uint8)
        self.mask = (1 << (cfg.cm_bits - 4)) - 1  # buckets of 16 bytes
        self.runs = np.zeros(1 << (cfg.cm_bits - 4), dtype=np.uint16)  # per bucket: last byte, repeats, another seen
        self.order0 = np.zeros(batch * 256, dtype=np.uint8)  # orders 0 and 1 are stream-local
        self.order1 = np.zeros(batch << 16, dtype=np.uint8)
        self.state_maps = kernel.initial_state_maps(kernel.HASHED + kernel.DIRECT)
        self.run_maps = np.tile(_RUN_PRIOR, (kernel.HASHED, 1))
        self.match_table = np.full(1 << match_table_bits(length), -1, dtype=np.int64)
        self.match_map = np.full((1, kernel.MATCH_ROWS), (1 << 21) << 10, dtype=np.int64)
        self.word_ends = np.zeros(1 << 18, dtype=np.int64)  # where each word last ended
        self.followers = np.zeros((3, 1 << kernel.FOLLOWER_BITS), dtype=np.int64)  # words that followed words
        self.token_next = np.zeros(1 << kernel.FOLLOWER_BITS, dtype=np.int64)  # bytes that followed tokens
        self.streams = kernel.new_streams(batch, steps)
        # layer 1 starts at zero (measured on enwik5: 1/16 per input 27,223 bytes, 1/4 27,342, 0 27,230)
        self.weights = np.zeros(int(SET_ROWS.sum()) * INPUTS, dtype=np.int64)
        self.row_counts = np.zeros(int(SET_ROWS.sum()), dtype=np.int64)  # updates per row of layer 1
        self.final_weights = np.full(FINAL_ROWS * SETS, (1 << 16) // self.sets, dtype=np.int64)
        self.apms = _apm_table(_APM_ROWS)
        self.network_map = _apm_table(256 + 65536)  # by c0; by c1 and c0
        full = self.sets > kernel.FAST_SETS  # level 1 runs no stationary maps and no DMC
        # the stationary maps, each of 2**cells cells in blocks of 16
        maps = len(kernel.STATIONARY) if full else 0
        cells = min(cfg.cm_bits - 5, kernel.STATIONARY_BITS)
        self.stationary_mask = (1 << (cells - 4)) - 1
        self.stationary = np.full((maps, 1 << cells), kernel.STATIONARY_START, dtype=np.uint32)
        self.dmc_next, self.dmc_count, self.dmc_used = kernel.new_dmc(len(kernel.DMC_CLONE) if full else 0)
        self.indirect = np.zeros(256, dtype=np.int64)  # per byte, the 3 bytes that followed its last occurrences
        self.coder = np.array([0, 0xFFFFFFFF, 0, 0, 0], dtype=np.int64)  # low, high, x, position, sink

    def code(self, encode: bool, t_start: int, t_end: int, data: np.ndarray, out: np.ndarray,
             network_counts: np.ndarray | None = None) -> bool:  # fmt: skip
        counts = network_counts if network_counts is not None else np.zeros((1, 257), dtype=np.int64)
        return bool(
            kernel.code_steps(
                encode, t_start, t_end, self.batch, self.steps, self.length, data, out, self.coder,
                self.contexts, self.sets, self.table, self.runs, self.mask, self.order0, self.order1,
                self.state_maps, self.run_maps, self.match_table, self.match_map, self.word_ends, self.streams,
                self.weights, self.row_counts, self.final_weights, self.apms, counts, self.network_map,
                network_counts is not None, kernel.TABLES, self.stationary, self.stationary_mask,
                self.dmc_next, self.dmc_count, self.dmc_used, self.indirect, self.followers, self.token_next,
            )
        )  # fmt: skip

    def finish(self, out: np.ndarray) -> bytes:
        """End the encoder's output: the fewest bytes that, followed by zeros (as the decoder
        reads past the end), lie within the final interval."""
        low, high, pos = int(self.coder[0]), int(self.coder[1]), int(self.coder[3])
        for k in range(5):
            unit = 1 << (32 - 8 * k)
            point = -(-low // unit) * unit  # low rounded up to a multiple of unit
            if point <= high:
                tail = point.to_bytes(4, "big")[:k] if k else b""
                return bytes(out[:pos]) + tail
        raise AssertionError("unreachable: k = 4 always fits")

    def start_decoding(self, payload: bytes) -> np.ndarray:
        """The payload as the decoder's input, with the coder primed by its first 4 bytes."""
        self.coder[2] = int.from_bytes(payload[:4].ljust(4, b"\0"), "big")
        self.coder[3] = 4
        return np.frombuffer(payload, dtype=np.uint8).copy()


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
