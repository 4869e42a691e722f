"""Frames on worker processes: same bytes for any thread count, boundaries, order, failures."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

import rnnzip
from conftest import SMALL, sample
from rnnzip.cli import main
from rnnzip.format import iter_frames

BLOCK = 600
ARGS = ["-7", "--cm-bits", "18", "--block-size", str(BLOCK)]


def frames(packed: bytes) -> list[int]:
    """The original length of each frame."""
    return [header.length for header, _ in iter_frames(io.BytesIO(packed))]


@pytest.mark.parametrize("n, expected", [(BLOCK, [BLOCK]), (BLOCK + 1, [BLOCK, 1]), (0, [0]), (3 * BLOCK, [BLOCK] * 3)])
def test_frame_boundaries(n: int, expected: list[int]) -> None:
    data = sample(n)
    packed = rnnzip.compress(data, block_size=BLOCK, **SMALL)
    assert frames(packed) == expected
    assert rnnzip.decompress(packed) == data


def test_empty_last_frame_decodes() -> None:
    data = sample(900)
    packed = rnnzip.compress(data, block_size=BLOCK, **SMALL) + rnnzip.compress(b"")
    assert frames(packed)[-1] == 0 and rnnzip.decompress(packed) == data


def test_same_bytes_for_one_and_two_workers_both_ways(tmp_path: Path) -> None:
    data = sample(5 * BLOCK + 123)
    one = rnnzip.compress(data, block_size=BLOCK, threads=1, **SMALL)
    two = rnnzip.compress(data, block_size=BLOCK, threads=2, **SMALL)
    assert one == two and len(frames(one)) == 6
    assert rnnzip.decompress(one, threads=2) == data  # in order, across workers


def test_cli_worker_failure_leaves_nothing_behind(tmp_path: Path, capsys) -> None:
    path = tmp_path / "in.txt"
    data = sample(4 * BLOCK)
    path.write_bytes(data)
    assert main(["-T2", "-k", *ARGS, str(path)]) == 0
    packed = tmp_path / "in.txt.rnz"
    corrupt = bytearray(packed.read_bytes())
    corrupt[-9] ^= 1  # inside the last frame's payload
    packed.write_bytes(bytes(corrupt))
    path.unlink()
    assert main(["-d", "-T2", str(packed)]) == 1
    assert "corrupt" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt.rnz"]


def test_cli_stdin_to_stdout_with_workers(monkeypatch, capsysbinary) -> None:
    data = sample(3 * BLOCK + 7)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["-c", "-T2", *ARGS]) == 0
    packed = capsysbinary.readouterr().out
    assert frames(packed) == [BLOCK, BLOCK, BLOCK, 7]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(packed)))
    assert main(["-d", "-c", "-T2"]) == 0
    assert capsysbinary.readouterr().out == data


def test_default_workers_are_one_per_core_or_two_with_a_network(monkeypatch) -> None:
    from rnnzip.parallel import default_threads

    for cores, alone, networked in [(1, 1, 1), (2, 2, 1), (3, 3, 1), (16, 16, 8)]:
        monkeypatch.setattr("os.sched_getaffinity", lambda _pid, n=cores: set(range(n)))
        assert default_threads() == alone and default_threads(network=True) == networked
