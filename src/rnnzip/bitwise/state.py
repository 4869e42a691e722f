"""Everything the engine keeps for one frame, built in one place and grouped as named tuples,
so that the compiled kernel takes a few arguments with named fields. Both sides build the
same state from the header alone."""

from __future__ import annotations

import mmap
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..contract import NETWORKS
from . import sizing
from .charset import BYTE_CLASS, FOLD_2BYTE, GROUP, LETTER_TYPE, RUN_GROUPS, WORD_LETTER
from .coder import new_coder
from .contexts import contexts_in_use
from .layout import (
    BYTE_FEATURES,
    DIRECT,
    DMC_MODELS,
    FAST_SETS,
    FINAL_NEURONS,
    FINAL_ROWS,
    FINAL_STRIDE,
    FULL_MIXER_CONTEXTS,
    INPUTS,
    INPUTS_PER_CONTEXT,
    NETWORK_APM_ROWS,
    NETWORK_INPUTS,
    SET_ROWS,
    SETS,
    STREAM_FIELDS,
    Stream,
)
from .lstm import Lstm, load_weights, lstm_forward, new_lstm
from .maps import HALF, RECIPROCAL, apm_table, initial_state_maps
from .registry import HASHED, STATIONARY
from .sizing import MATCH_ROWS, match_table_bits, table_sizes
from .sse import APMS, APMS_HASHED
from .tables import NEXT_STATE, SQUASH, STATE_COUNTS, STRETCH

if TYPE_CHECKING:
    from ..contract import ModelConfig
    from ..streams import Layout


class Sizes(NamedTuple):
    batch: int  # streams; stream b holds bytes [b * steps, (b + 1) * steps)
    steps: int
    length: int  # bytes in the block
    hashed: int  # contexts in use (Scratch.used)
    sets: int  # layer-1 weight sets in use
    mask: int  # buckets in the context table - 1
    stationary: int  # stationary maps in use
    stationary_mask: int  # blocks per stationary map - 1
    dmc: int  # DMC models in use
    dmc_nodes: int  # nodes per DMC model
    inputs: int  # the mixer's inputs without a network
    apm_mask: int  # rows of each hashed APM - 1


class ContextModels(NamedTuple):
    table: np.ndarray  # uint8 buckets of 16: a check byte, 15 bit-history states
    runs: np.ndarray  # uint16 per bucket: the last byte, its repeats << 8, another byte seen << 15
    state_maps: np.ndarray  # (HASHED + DIRECT, 256) per context, a map over bit-history states
    run_maps: np.ndarray  # (HASHED, 64) per context, a map by (another seen, repeats, expected bit)
    order0: np.ndarray  # uint8 states of order 0, per stream
    order1: np.ndarray  # ... and order 1
    stationary: np.ndarray  # (maps, cells) uint32


class TextModels(NamedTuple):
    streams: np.ndarray  # (B, STREAM_FIELDS) int64 per stream (layout.Stream)
    word_ends: np.ndarray  # per word hash, where it last ended << 16 | 16 check bits
    followers: np.ndarray  # (3, 2**follower_bits) the words that followed words
    token_next: np.ndarray  # per token hash, the 2 bytes that followed it last
    indirect: np.ndarray  # per byte value, the 3 bytes that followed its last occurrences


class MatchModel(NamedTuple):
    table: np.ndarray  # per hash of the last bytes, where they last occurred
    maps: np.ndarray  # (1, MATCH_ROWS)


class Dmc(NamedTuple):
    next_node: np.ndarray  # int32 per edge (node * 2 + bit)
    counts: np.ndarray  # int32 per edge, in 16ths
    used: np.ndarray  # nodes used, per model


class Mixer(NamedTuple):
    weights: np.ndarray  # layer 1: (sum of SET_ROWS) x INPUTS, int32 (16.16 fixed point)
    row_counts: np.ndarray  # updates per row of layer 1
    final_weights: np.ndarray  # layer 2: FINAL_ROWS x FINAL_STRIDE


class Tables(NamedTuple):
    """Read-only tables, passed as an argument: numba would freeze module arrays into its cache."""

    next_state: np.ndarray
    stretch: np.ndarray
    squash: np.ndarray
    state_total: np.ndarray  # bits seen per state (a bucket's use)
    deterministic: np.ndarray  # 1 for a state that has seen one bit value only
    reciprocal: np.ndarray
    word_letter: np.ndarray
    byte_class: np.ndarray
    letter_type: np.ndarray
    fold2: np.ndarray
    group: np.ndarray
    run_groups: np.ndarray


class Scratch(NamedTuple):
    """Work arrays of one compiled call, per context id, stationary map, set or neuron."""

    used: np.ndarray  # ids of the contexts in use
    hashes: np.ndarray  # per byte
    nibble_hashes: np.ndarray  # hashed with the first nibble
    buckets: np.ndarray
    first_buckets: np.ndarray  # the first nibble's (where the run byte is)
    slots: np.ndarray
    run_expected: np.ndarray  # run byte + 256 (0: none)
    run_length: np.ndarray
    run_rows: np.ndarray  # the run map's row that learns (-1: none)
    blocks: np.ndarray  # each stationary map's 16 cells for this nibble
    cells: np.ndarray  # ... and the cell for this bit
    x: np.ndarray  # the mixer's inputs
    features: np.ndarray  # layout.Byte
    rows: np.ndarray
    dots: np.ndarray
    probs: np.ndarray
    final_rows: np.ndarray
    final_dots: np.ndarray
    final_probs: np.ndarray
    apm_cells: np.ndarray
    network_cells: np.ndarray  # the network's APM cells that learn this bit


class Engine(NamedTuple):
    sizes: Sizes
    contexts: ContextModels
    text: TextModels
    match: MatchModel
    dmc: Dmc
    mixer: Mixer
    apms: np.ndarray  # SSE
    network_apms: np.ndarray
    lstm: Lstm  # the engine's own network (a placeholder of one cell without it)
    tables: Tables
    scratch: Scratch
    coder: np.ndarray  # coder.LOW..SINK


# a run input's starting probability of a one: (another byte seen, repeats n, expected bit) -> n+1 : 1
_RUN_PRIOR = np.array(
    [((((n + 1) if bit else 1) << 22) // (n + 2)) << 10 for _ in range(2) for n in range(16) for bit in (0, 1)],
    dtype=np.int64,
)
_STATE_TOTAL = STATE_COUNTS.sum(axis=1).astype(np.int64)
TABLES = Tables(
    NEXT_STATE.reshape(-1).copy(), STRETCH, SQUASH, _STATE_TOTAL,
    ((STATE_COUNTS.min(axis=1) == 0) & (_STATE_TOTAL > 0)).astype(np.int64), RECIPROCAL,
    WORD_LETTER, BYTE_CLASS, LETTER_TYPE, FOLD_2BYTE, GROUP, RUN_GROUPS,
)  # fmt: skip


def mixer_sets(contexts: int) -> int:
    """The weight sets of layer 1 that a configuration with `contexts` shared contexts runs."""
    return SETS if contexts >= FULL_MIXER_CONTEXTS else FAST_SETS


def _final_weights(sets: int) -> np.ndarray:
    """Layer 2 averages the sets at first; the promoted network starts at 0."""
    weights = np.full((FINAL_ROWS, FINAL_STRIDE), (1 << 16) // sets, dtype=np.int64)
    weights[:, SETS] = 0
    return weights.reshape(-1)


def new_streams(batch: int, steps: int) -> np.ndarray:
    """Every stream's state before its first byte."""
    state = np.zeros((batch, STREAM_FIELDS), dtype=np.int64)
    state[:, Stream.LINE] = np.arange(batch) * steps  # the first line starts at the stream's start
    state[:, Stream.PREVIOUS_LINE] = -1  # no previous line
    state[:, Stream.DMC_NODE : Stream.DMC_NODE + DMC_MODELS] = np.arange(DMC_MODELS) * sizing.DMC_NODES
    return state


def zeros(shape: int | tuple[int, ...], dtype: type, sparse: bool) -> np.ndarray:
    """Zeroed memory. sparse: without the huge pages numpy asks the kernel for, so that an input
    that touches few pages costs only those (a huge page costs 2 MB at its first touch)."""
    if not sparse:
        return np.zeros(shape, dtype=dtype)
    count = int(np.prod(shape))
    memory = mmap.mmap(-1, max(1, count * np.dtype(dtype).itemsize))
    if hasattr(mmap, "MADV_NOHUGEPAGE"):
        memory.madvise(mmap.MADV_NOHUGEPAGE)
    return np.frombuffer(memory, dtype=dtype, count=count).reshape(shape)


def new_engine(cfg: ModelConfig, layout: Layout) -> Engine:
    """The state both sides build from the header before the first bit."""
    batch, steps, length = layout.batch, layout.steps, layout.length
    sizes = table_sizes(cfg.cm_bits, length)
    sparse = sizes.sparse
    sets = mixer_sets(cfg.cm_contexts)
    networked = bool(NETWORKS[cfg.network].directions)
    full = sets > FAST_SETS  # level 1 runs no stationary maps and no DMC
    used = contexts_in_use(cfg.cm_contexts, batch)
    # the stationary maps of the contexts in use (a prefix of STATIONARY: test_bitwise checks)
    stationary = 0
    while full and stationary < len(STATIONARY) and STATIONARY[stationary] in used:
        stationary += 1
    models = DMC_MODELS if full else 0
    dmc_arrays = Dmc(
        zeros(2 * sizing.DMC_NODES * models, np.int32, sparse),
        zeros(2 * sizing.DMC_NODES * models, np.int32, sparse),
        np.zeros(DMC_MODELS, dtype=np.int64),  # nodes used (0: the kernel builds the tree first)
    )
    inputs = INPUTS - (HASHED - len(used)) * INPUTS_PER_CONTEXT - (len(STATIONARY) - stationary)
    inputs -= DMC_MODELS - models + NETWORK_INPUTS
    sized = Sizes(
        batch, steps, length, len(used), sets, (1 << (sizes.table_bits - 4)) - 1, stationary,
        (1 << (sizes.stationary_bits - 4)) - 1, models, sizing.DMC_NODES if models else 0, inputs,
        (1 << sizes.apm_bits) - 1,
    )  # fmt: skip
    context_models = ContextModels(
        np.zeros(1 << sizes.table_bits, dtype=np.uint8),
        np.zeros(1 << (sizes.table_bits - 4), dtype=np.uint16),
        initial_state_maps(HASHED + DIRECT),
        np.tile(_RUN_PRIOR, (HASHED, 1)),
        np.zeros(batch * 256, dtype=np.uint8),
        np.zeros(batch << 16, dtype=np.uint8),
        # zeros, not HALF: an unused block matches no check either, and untouched pages cost no memory
        zeros((len(STATIONARY) if full else 0, 1 << sizes.stationary_bits), np.uint32, sparse),
    )
    followers = 1 << sizes.follower_bits
    text = TextModels(
        new_streams(batch, steps),
        np.zeros(followers, dtype=np.int64),
        np.zeros((3, followers), dtype=np.int64),
        np.zeros(followers, dtype=np.int64),
        np.zeros(256, dtype=np.int64),
    )
    match = MatchModel(
        np.full(1 << match_table_bits(length), -1, dtype=np.int64), np.full((1, MATCH_ROWS), HALF, dtype=np.int64)
    )
    set_rows = int(SET_ROWS.sum())
    mixer = Mixer(
        zeros(set_rows * INPUTS, np.int32, sparse),  # layer 1 starts at zero
        zeros(set_rows, np.int64, sparse),
        _final_weights(sets),
    )
    per_context = {name: np.zeros(HASHED, dtype=np.int64) for name in Scratch._fields[1:9]}
    per_set = {name: np.zeros(SETS + 1, dtype=np.int64) for name in ("rows", "dots", "probs")}
    per_neuron = {name: np.zeros(FINAL_NEURONS, dtype=np.int64) for name in ("final_rows", "final_dots", "final_probs")}
    scratch = Scratch(
        used=used, **per_context, **per_set, **per_neuron,
        blocks=np.zeros(len(STATIONARY), dtype=np.int64), cells=np.zeros(len(STATIONARY), dtype=np.int64),
        x=np.zeros(INPUTS, dtype=np.int64), features=np.zeros(BYTE_FEATURES, dtype=np.int64),
        apm_cells=np.zeros(APMS, dtype=np.int64), network_cells=np.zeros(3, dtype=np.int64),
    )  # fmt: skip
    return Engine(
        sized, context_models, text, match, dmc_arrays, mixer, apm_table(256 + APMS_HASHED * (1 << sizes.apm_bits)),
        apm_table(NETWORK_APM_ROWS if networked else 1), _lstm(cfg), TABLES, scratch, new_coder(),
    )  # fmt: skip


def _lstm(cfg: ModelConfig) -> Lstm:
    if not NETWORKS[cfg.network].compiled:
        return new_lstm(1, 1, 1, 0, 0.0, 0.0, 0.0, 0.0)
    net = new_lstm(cfg.hidden_size, cfg.num_layers, cfg.seq_length, cfg.seed, cfg.learning_rate,
                   cfg.final_learning_rate, cfg.beta2, cfg.clip)  # fmt: skip
    if cfg.prior:  # frames.py has checked that it is this installation's
        from ..prior import weights

        load_weights(net, weights(cfg.hidden_size, cfg.num_layers), cfg.frozen_layers)
    lstm_forward(net, 0, 0)  # the first byte's distribution: as after a zero byte
    return net
