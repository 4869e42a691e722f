"""The engine's compiled step: for each step t and each active stream b, the 8 bits of byte t of
stream b, most significant first, each predicted, coded and learnt from in the same loop.

Per byte: the match model looks up its expected byte, the text models hash the contexts and
compute the byte's features, the contexts' buckets are found. Per bit: inputs (contexts, orders
0-1, stationary maps, DMC, match, network), mixer, SSE, coder, then every stage learns the bit.
After the byte: each model updates its state. Every stage is an inline function of its own
module; this loop only calls them. All integer arithmetic: the same bits on every machine.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from numba import njit

from .brackets import brackets_update
from .coder import HIGH, LOW, POSITION, SINK, X, code_bit
from .contexts import (
    context_inputs,
    direct_inputs,
    hash_contexts,
    load_buckets,
    next_nibble,
    update_contexts,
    update_direct,
    update_runs,
)  # fmt: skip
from .dmc import dmc_inputs, dmc_reset, dmc_update
from .history import history_update
from .layout import (
    DIRECT,
    DIRECT_INPUTS,
    GIVEN_INPUTS,
    INPUTS_PER_CONTEXT,
    MATCH_INPUTS,
    NETWORK_INPUTS,
    SETS,
    Byte,
    Stream,
)
from .lines import lines_update
from .lstm import lstm_backward, lstm_forward, lstm_next
from .match import match_find, match_inputs, match_learn, match_update
from .mixer import byte_rows, mix, mixer_update, select_rows
from .network_input import given_inputs, network_expected, network_inputs, network_update
from .sse import refine, sse_update
from .stationary import stationary_find, stationary_inputs, stationary_update
from .tokens import tokens_update
from .words import words_update


@njit(cache=True, _nrt=False)  # type: ignore[call-overload]
def _before_byte(engine, data, here, t, b, cum, use_network):  # pragma: no cover (compiled)
    """Before the byte at `here`: the match, the contexts' hashes, buckets and the byte's features;
    returns the loads' sum. Compiled apart from code_steps: a smaller function compiles faster."""
    n, cm, w, f, tb = engine.sizes, engine.contexts, engine.scratch, engine.scratch.features, engine.tables
    st = engine.text.streams[b]
    match_find(f, st, engine.match.table, data, here, t, n.steps)
    hash_contexts(w.hashes, f, st, data, here, t, b, engine.text)
    touch = load_buckets(cm, w, n.hashed, n.mask, tb.state_total)
    if use_network:
        f[Byte.NETWORK_EXPECTED] = network_expected(cum)
    stationary_find(cm.stationary, w.blocks, n.stationary, w.hashes, n.stationary_mask)
    byte_rows(f, st, tb.group)
    return touch


@njit(cache=True, _nrt=False)  # type: ignore[call-overload]
def _after_byte(engine, here, b, hist, byte):  # pragma: no cover
    """The byte is known: every model's state (words before brackets: both set heads)."""
    n, w, f, tb, text = engine.sizes, engine.scratch, engine.scratch.features, engine.tables, engine.text
    st = text.streams[b]
    update_runs(engine.contexts, w, n.hashed, byte)
    match_update(st, f[Byte.EXPECTED], byte, n.length, n.steps)
    tokens_update(st, f, hist, byte, text.token_next, tb.word_letter, tb.letter_type, tb.group, tb.run_groups)
    words_update(st, f, hist, byte, here, text.word_ends, text.followers, tb.word_letter, tb.fold2)
    lines_update(st, byte, here)
    brackets_update(st, hist, byte, tb.word_letter)
    history_update(st, byte, text.indirect, tb.byte_class)


NO_NETWORK, GIVEN, LSTM = 0, 1, 2  # code_steps' use_network: where the network's counts come from


# Without numba's reference counting: code_steps allocates nothing (state.py builds every array), and
# each array taken from the state's named tuples would otherwise cost an atomic increment and
# decrement (decoding enwik5 15% slower with them).
@njit(cache=True, _nrt=False)  # type: ignore[call-overload]
def code_steps(encode, t_start, t_end, engine, data, out, network_counts, use_network):  # pragma: no cover
    """Code steps [t_start, t_end) of all active streams; returns False when the encoder's output
    would exceed `out` (the caller stores the block instead).

    data: (length,) uint8, the block: read when encoding, written when decoding. network_counts:
    (B, 257) cumulative counts of the network's distribution per stream (use_network GIVEN), or
    engine.lstm.counts (use_network LSTM: the engine's network learns each byte and predicts the next)."""
    n = engine.sizes
    cm, text, mixer, tb, w = engine.contexts, engine.text, engine.mixer, engine.tables, engine.scratch
    x, f = w.x, w.features
    for q in range(n.dmc):
        if engine.dmc.used[q] == 0:  # the first call: each model starts as its tree
            dmc_reset(engine.dmc.next_node, engine.dmc.counts, engine.dmc.used, q, n.dmc_nodes)
    n_inputs = n.inputs + (NETWORK_INPUTS if use_network == LSTM else (GIVEN_INPUTS if use_network else 0))
    apm_count = 3 if use_network == LSTM else 2
    low, high, xcode, pos = engine.coder[LOW], engine.coder[HIGH], engine.coder[X], engine.coder[POSITION]
    # Loads that are summed here (`touch`) are issued early so that their cache misses overlap; the
    # sum goes to the coder's sink, so that they are not optimised away.
    touch = 0
    limit = out.size - 8
    for t in range(t_start, t_end):
        for b in range(n.batch):
            here = b * n.steps + t
            if here >= n.length:
                break
            st = text.streams[b]
            cum = network_counts[b if use_network else 0]
            touch += _before_byte(engine, data, here, t, b, cum, use_network)
            hist = st[Stream.HISTORY]
            c1 = hist & 255
            c0, nib = 1, 1
            byte = np.int64(data[here]) if encode else 0
            for bit in range(8):
                # --- inputs
                known, present = context_inputs(x, cm, w, n.hashed, bit, c0, nib, tb.stretch, tb.deterministic)
                j = n.hashed * INPUTS_PER_CONTEXT
                s0, s1 = direct_inputs(x, j, cm, b, c0, c1, tb.stretch)
                j += DIRECT * DIRECT_INPUTS
                stationary_inputs(x, j, cm.stationary, w.blocks, w.cells, n.stationary, nib, tb.stretch)
                j += n.stationary
                dmc_inputs(x, j, engine.dmc, st, n.dmc, tb.stretch)
                j += n.dmc
                expected, length = f[Byte.EXPECTED], st[Stream.MATCH_LENGTH]
                row, row2 = match_inputs(x, j, engine.match.maps, expected, length, bit, c0, c1, tb.stretch)
                j += MATCH_INPUTS
                selector = min(b, 8)  # without a network, set NETWORK's rows by stream
                if use_network:
                    expected = f[Byte.NETWORK_EXPECTED]
                    napm, cells = engine.network_apms, w.network_cells
                    if use_network == LSTM:
                        selector = network_inputs(x, j, cum, napm, cells, expected, bit, c0, c1, tb.stretch)
                        w.dots[SETS] = x[j]  # promoted to layer 2
                    else:
                        selector = given_inputs(x, j, cum, napm, cells, expected, bit, c0, c1, tb.stretch)
                x[n_inputs - 1] = 256  # the bias
                # --- mixer, SSE
                select_rows(w, f, st, n.sets, bit, c0, known, present, selector)
                pm, loads = mix(mixer, w, x, n_inputs, n.sets, tb.squash)
                touch += loads
                p16 = refine(engine.apms, w.apm_cells, f, st, pm, c0, tb.stretch, n.apm_mask)
                # --- code the bit
                low, high, xcode, pos, y, room = code_bit(
                    encode, low, high, xcode, pos, p16, (byte >> (7 - bit)) & 1, out, limit
                )
                if not room:
                    return False
                # --- every stage learns it
                update_contexts(cm, w, n.hashed, y, tb.next_state, tb.reciprocal)
                stationary_update(cm.stationary, w.cells, n.stationary, y, tb.reciprocal)
                update_direct(cm, b, c0, c1, s0, s1, y, tb.next_state, tb.reciprocal)
                match_learn(engine.match.maps, row, row2, y, tb.reciprocal)
                if use_network:
                    network_update(engine.network_apms, w.network_cells, apm_count, y, tb.reciprocal)
                mixer_update(mixer, w, x, n_inputs, n.sets, y)
                sse_update(engine.apms, w.apm_cells, y, tb.reciprocal)
                dmc_update(engine.dmc, text.streams, b, n.dmc, n.dmc_nodes, y)
                c0 = c0 * 2 + y
                if bit == 3:
                    touch += next_nibble(cm, w, n.hashed, c0, n.mask, tb.state_total)
                    stationary_find(cm.stationary, w.blocks, n.stationary, w.nibble_hashes, n.stationary_mask)
                    nib = 1
                else:
                    nib = nib * 2 + y
            # --- the byte is known: every model's state (words before brackets: both set heads)
            byte = c0 & 255
            if not encode:
                data[here] = byte
            _after_byte(engine, here, b, hist, byte)
            if use_network == LSTM:
                lstm_next(engine.lstm, byte)
    engine.coder[LOW], engine.coder[HIGH], engine.coder[X], engine.coder[POSITION] = low, high, xcode, pos
    engine.coder[SINK] = touch & 1
    return True


# Numba's cache checks only the timestamp of this file, while code_steps inlines the stages of
# every module of the package (and freezes their constants): its cache key gets their digest too,
# so that a stale compiled kernel can never run.
SOURCES = [*sorted(Path(__file__).parent.glob("*.py")), Path(__file__).parents[1] / "contract.py"]


def sources_digest() -> str:
    digest = hashlib.sha256()
    for path in SOURCES:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# what the engine compiles (the network's functions too: each has a cache entry of its own, and they inline
# activations.py)
COMPILED = (code_steps, _before_byte, _after_byte, lstm_next, lstm_forward, lstm_backward)


def compiled_here() -> bool:
    """Whether the kernel for these sources is compiled in this process or in this machine's numba
    cache (else the first frame compiles it: 25-35 s on our 2-core machine)."""
    return all(bool(f.signatures) or bool(f._cache._cache_file._load_index()) for f in COMPILED)


def _key_cache_by_sources() -> None:
    for function in COMPILED:
        cache_file = function._cache._cache_file
        cache_file._source_stamp = (cache_file._source_stamp, sources_digest())


_key_cache_by_sources()
