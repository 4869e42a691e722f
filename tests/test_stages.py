"""The bitwise engine's stages on their own: maps, APMs, the context table's buckets, DMC, the
coder, and the guard that keeps a stale compiled kernel from running."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from rnnzip.bitwise import coder, dmc, kernel, maps
from rnnzip.bitwise.contexts import find_bucket
from rnnzip.bitwise.sse import P16_MIN
from rnnzip.bitwise.state import TABLES
from rnnzip.bitwise.tables import STRETCH


def test_a_state_map_learns_at_one_over_n_plus_one_and_a_half() -> None:
    cells = np.full((1, 1), maps.HALF, dtype=np.int64)
    p = 1 << 21  # 22 bits
    for n in range(2000):
        maps.update_map(cells, 0, 0, 1, maps.RECIPROCAL)
        p += (((1 << 22) - p) * maps.RECIPROCAL[min(n, maps.STATE_MAP_LIMIT)]) >> 16
        assert int(cells[0, 0]) >> 10 == p
        assert int(cells[0, 0]) & 1023 == min(n + 1, maps.STATE_MAP_LIMIT)  # the count stops at the limit
    assert maps.RECIPROCAL[0] == 65536 * 2 // 3  # the first step moves 2/3 of the error
    assert p > (1 << 22) - (1 << 14)  # and p has come close to 1


def test_an_apm_starts_as_the_identity_and_both_cells_learn() -> None:
    table = maps.apm_table(2)
    for p in range(1, 4096, 7):
        refined, _ = maps.apm(STRETCH, table, 1, p)
        assert abs(refined / 16 - p) <= max(12, p * 0.03), p  # within the 33 buckets' interpolation
    _, i = maps.apm(STRETCH, table, 1, 3000)
    before = table.copy()
    maps.update_apm(table, i, 0, maps.RECIPROCAL)
    changed = np.flatnonzero(table != before)
    assert changed.tolist() == [i, i + 1]  # the two cells around p, in row 1 only
    assert ((table[changed] & 0xFFFF) < (before[changed] & 0xFFFF)).all()  # towards 0
    assert (table[changed] >> 16 == 1).all()  # each counted once


def test_a_bucket_is_found_again_or_evicts_the_least_used_neighbour() -> None:
    mask = 15  # 16 buckets of 16 bytes
    table = np.zeros(16 * 16, dtype=np.uint8)
    runs = np.zeros(16, dtype=np.uint16)
    state_total = TABLES.state_total
    h = 0xAB000005  # check byte 0xAB, bucket 5; its neighbours are 4 and 7 (5 ^ 1, 5 ^ 2)
    busy = int(np.flatnonzero(state_total == state_total.max())[0])
    young = int(np.flatnonzero(state_total == 1)[0])
    for bucket, check, first_state in ((5, 1, busy), (4, 2, young), (7, 3, busy)):
        table[bucket * 16] = check
        table[bucket * 16 + 1 : bucket * 16 + 16] = first_state
        runs[bucket] = 0x1234
    i = find_bucket(table, h, mask, state_total, runs)
    assert i == 4 * 16  # the least used (its first state has seen the fewest bits) is taken
    assert table[i] == 0xAB and not table[i + 1 : i + 16].any() and runs[4] == 0  # ... cleared
    assert runs[5] == runs[7] == 0x1234
    table[i + 1] = young  # once used, the same hash finds it again
    assert find_bucket(table, h, mask, state_total, runs) == i


def test_dmc_cloning_conserves_counts() -> None:
    nodes = 4096
    nxt = np.zeros(2 * nodes, dtype=np.int32)
    count = np.zeros_like(nxt)
    used = np.zeros(1, dtype=np.int64)
    dmc.dmc_reset(nxt, count, used, 0, nodes)
    assert used[0] == 255 and (count[: 2 * 255] == 16).all()
    rng = random.Random(1)
    clones = 0
    for _ in range(3000):
        node = 0  # the root: a byte starts
        for _ in range(8):
            y = int(rng.random() < 0.8)
            edge_target = int(nxt[2 * node + y])
            total = int(count[2 * edge_target]) + int(count[2 * edge_target + 1])
            before = int(used[0])
            node = dmc.dmc_step(nxt, count, used, 0, node, y)
            if used[0] > before:  # a clone took part of its target's counts
                clones += 1
                assert node == before
                moved = int(count[2 * node]) + int(count[2 * node + 1])
                left = int(count[2 * edge_target]) + int(count[2 * edge_target + 1])
                assert moved + left == total
                assert nxt[2 * node] == nxt[2 * edge_target] and nxt[2 * node + 1] == nxt[2 * edge_target + 1]
        if used[0] > nodes - 300:
            break
    assert clones > 10


@pytest.mark.parametrize("p16", [P16_MIN, 65536 - P16_MIN, 32768, 1000])
def test_the_coder_round_trips_at_extreme_probabilities(p16: int) -> None:
    rng = random.Random(p16)
    bits = [int(rng.random() < 0.5) for _ in range(3000)]  # unlikely bits too: every second one
    out = np.zeros(4000, dtype=np.uint8)
    state = coder.new_coder()
    low, high, x, pos = (int(v) for v in state[:4])
    for bit in bits:
        low, high, x, pos, y, room = coder.code_bit(True, low, high, x, pos, p16, bit, out, out.size - 8)
        assert room and y == bit
    state[coder.LOW], state[coder.HIGH], state[coder.POSITION] = low, high, pos
    payload = coder.finish(state, out)
    # each bit costs its information: -log2 p for the bit coded
    cost = sum(-np.log2(p16 / 65536 if b else 1 - p16 / 65536) for b in bits) / 8
    assert len(payload) <= cost + 8
    state = coder.new_coder()
    data = coder.start_decoding(state, payload)
    low, high, x, pos = (int(v) for v in state[:4])
    decoded = []
    for _ in bits:
        low, high, x, pos, y, _ = coder.code_bit(False, low, high, x, pos, p16, 0, data, 0)
        decoded.append(y)
    assert decoded == bits


def test_the_encoder_stops_at_its_limit() -> None:
    out = np.zeros(16, dtype=np.uint8)
    low, high, x, pos, room = 0, 0xFFFFFFFF, 0, 0, True
    for _ in range(200):  # bits of probability 1/16384 each: 14 bits of output per bit
        low, high, x, pos, _, room = coder.code_bit(True, low, high, x, pos, P16_MIN, 1, out, 8)
        if not room:
            break
    assert not room and pos == 8


def test_the_compiled_kernel_is_keyed_by_every_stage_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Numba's cache would only notice a change to kernel.py: its key includes a digest of every
    module the kernel inlines, so a change to any stage recompiles it."""
    package = sorted(p.name for p in kernel.SOURCES if p.parent.name == "bitwise")
    assert package == sorted(p.name for p in kernel.SOURCES[0].parent.glob("*.py"))
    assert any(p.name == "contract.py" for p in kernel.SOURCES)
    digest = kernel.sources_digest()
    for function in kernel.COMPILED:
        assert function._cache._cache_file._source_stamp[1] == digest  # what numba's index records
    copies = []
    for path in kernel.SOURCES:
        (tmp_path / path.name).write_bytes(path.read_bytes())
        copies.append(tmp_path / path.name)
    monkeypatch.setattr(kernel, "SOURCES", copies)
    assert kernel.sources_digest() == digest
    (tmp_path / "mixer.py").write_text(
        (tmp_path / "mixer.py").read_text().replace("SKIP_ERROR = 17", "SKIP_ERROR = 18")
    )
    assert kernel.sources_digest() != digest


def test_the_kernel_knows_it_is_compiled_once_it_has_run() -> None:
    import rnnzip

    rnnzip.compress(b"compiled or loaded now", level=1)
    assert kernel.compiled_here()


def test_tables_follow_a_short_input_and_reach_the_levels_sizes() -> None:
    from rnnzip.bitwise.sizing import APM_BITS, FOLLOWER_BITS, STATIONARY_BITS, memory_needed, table_sizes

    small = table_sizes(27, 4096)
    assert small.table_bits == 23 and small.stationary_bits == 18 and small.sparse  # 8 MiB for 4 KB
    for cm_bits in (24, 27, 30):  # from 2**(cm_bits - 11) bytes on (64 KB at least), the level's own tables
        full = table_sizes(cm_bits, max(1 << 16, 1 << (cm_bits - 11)))
        assert full.table_bits == cm_bits and full.apm_bits == APM_BITS and full.follower_bits == FOLLOWER_BITS
        assert full.stationary_bits == min(cm_bits - 5, STATIONARY_BITS)
        assert table_sizes(cm_bits, (1 << (cm_bits - 11)) - 1).table_bits == cm_bits - 1
    lengths = [1, 4096, 100_000, 1 << 20, 1 << 24]
    for cm_bits in (24, 27, 30):
        needs = [memory_needed(cm_bits, True, n) for n in lengths]
        assert needs == sorted(needs)
    assert memory_needed(30, True, 4096) == memory_needed(27, True, 4096) < memory_needed(27, True, 1 << 20)


@pytest.mark.slow
@pytest.mark.parametrize("level", [6, 9])
def test_a_4_kb_file_codes_in_little_memory(level: int) -> None:
    """4 KB at -9 took 1.6 GB when the tables had the level's size whatever the input. Measured as
    the growth of the process's peak once the engine is loaded (the libraries' pages vary)."""
    import subprocess
    import sys

    code = (
        "import rnnzip\n"
        "def peak(): return [int(v.split()[1]) >> 10 for v in open('/proc/self/status') if v.startswith('VmHWM')][0]\n"
        f"rnnzip.compress(b'the engine loaded first', level={level})\n"
        "loaded = peak()\n"
        "d = bytes(range(256)) * 8 + b'some text, some more text. ' * 76\n"
        f"assert rnnzip.decompress(rnnzip.compress(d, level={level})) == d\n"
        "print(peak() - loaded)\n"
    )
    warm = f"import rnnzip; rnnzip.compress(b'the engine compiled and cached first' * 9, level={level})"
    subprocess.run([sys.executable, "-c", warm], check=True)  # compiling takes far more memory than coding
    growth_mb = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert growth_mb < 90  # measured 54 MB (the whole process: 199 MB)
