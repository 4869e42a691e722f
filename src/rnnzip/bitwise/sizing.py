"""How large a frame's tables are, and the memory that takes: the level's sizes (cm_bits), or
smaller ones for a short input. Both sides derive them from the header (level and length), so
nothing more is stored; an input long enough for the level's full tables codes as it always did.
Pure Python: `rnnzip -l` reports what decoding needs without loading the engine."""

from __future__ import annotations

from typing import NamedTuple

from .layout import DMC_MODELS, INPUTS, NETWORK_APM_ROWS, SET_ROWS
from .registry import STATIONARY

STATIONARY_BITS = 22  # at most 2**22 cells per stationary map
FOLLOWER_BITS = 18  # at most 2**18 entries in the followers' tables, token_next and word_ends
APM_BITS = 16  # at most 2**16 rows per hashed APM
SPARSE_BELOW = 1 << 20  # frames shorter than this get their large zeroed arrays without huge pages
DMC_NODES = 1 << 22  # per DMC model
MATCH_ROWS = 28 * 2 * 8 + 256 * 8 * 256  # (length bucket, expected bit, bpos) + (expected byte, bpos, c1)
ENGINE_BASE = 150 << 20  # the process: Python, numpy, numba and the loaded engine (measured: 145 MB)


class TableSizes(NamedTuple):
    table_bits: int  # the context table: 2**table_bits bytes in buckets of 16
    stationary_bits: int  # cells per stationary map
    apm_bits: int  # rows per hashed APM
    follower_bits: int  # entries of the followers' tables, token_next and word_ends
    sparse: bool  # a short input: its large zeroed arrays cost only the pages it touches


def table_sizes(cm_bits: int, length: int) -> TableSizes:
    """Per byte of input about 2 KB of context table (a byte touches up to 100 buckets), capped
    by the level's; the other tables follow the input's length alike."""
    n = max(1, length).bit_length()
    table = min(cm_bits, max(16, n + 10))
    apm = min(APM_BITS, max(8, n - 1))
    followers = min(FOLLOWER_BITS, max(10, n + 3))
    return TableSizes(table, min(table - 5, STATIONARY_BITS), apm, followers, length < SPARSE_BELOW)


def match_table_bits(length: int) -> int:
    """About two match-table slots per byte of the block, 2**12..2**22."""
    return int(min(22, max(12, int(length).bit_length() + 1)))


def memory_needed(cm_bits: int, full: bool, length: int, batch: int = 1, network: int = 0) -> int:
    """About the peak memory of coding a frame, the process included: the same for compressing
    and decompressing (a short input touches less of its arrays than this counts). network: the
    parameters of the engine's own network (lstm.py keeps 4 float32 copies: weights, gradients,
    second moments, transposed), with its APMs (int32)."""
    sizes = table_sizes(cm_bits, length)
    total = ENGINE_BASE + 4 * length  # the block, its coded bytes and their copies
    total += (1 << sizes.table_bits) * 9 // 8  # the table and its run bytes
    total += (4 * (1 << sizes.apm_bits) + 256) * 33 * 4  # APMs
    total += 5 * 8 << sizes.follower_bits  # followers (3), token_next, word_ends
    total += int(SET_ROWS.sum()) * INPUTS * 4 + MATCH_ROWS * 8 + (8 << match_table_bits(length))
    total += batch * (65536 + 256)  # orders 0 and 1
    if network:
        total += 16 * network + NETWORK_APM_ROWS * 33 * 4
    if full:  # stationary maps and DMC (levels 2-9)
        total += len(STATIONARY) * 4 << sizes.stationary_bits
        total += DMC_MODELS * DMC_NODES * 16
    return total
