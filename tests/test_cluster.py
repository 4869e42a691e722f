"""Frames on a Dask cluster: the same bytes as a local run both ways, a killed worker survived,
a missing scheduler and another rnnzip version refused, bad frames from a worker caught. Each
test module starts and stops its own LocalCluster (processes, loopback only)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import rnnzip
from conftest import sample
from rnnzip.cli import main
from rnnzip.errors import BadRnnzipFile, RnnzipError

distributed = pytest.importorskip("distributed")
BLOCK = 1000


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    ) as local:
        yield local


@pytest.fixture
def client(cluster) -> Iterator[object]:
    from rnnzip.cluster import connect

    connected = connect(cluster.scheduler_address)
    yield connected
    connected.close()


def test_cli_gives_the_bytes_of_a_local_run_both_ways(cluster, tmp_path: Path, capsysbinary) -> None:
    data = sample(6 * BLOCK + 77)
    path = tmp_path / "in.txt"
    path.write_bytes(data)
    args = ["-1", "--block-size", str(BLOCK), "-k"]
    assert main([*args, "--cluster", cluster.scheduler_address, str(path)]) == 0
    on_cluster = (tmp_path / "in.txt.rnz").read_bytes()
    assert main([*args, "-T1", "-c", str(path)]) == 0
    assert capsysbinary.readouterr().out == on_cluster
    path.unlink()
    assert main(["-d", "--cluster", cluster.scheduler_address, str(tmp_path / "in.txt.rnz")]) == 0
    assert path.read_bytes() == data


def test_the_address_comes_from_the_environment(cluster, tmp_path: Path, monkeypatch, capsysbinary) -> None:
    (tmp_path / "a.txt").write_bytes(sample(1500))
    monkeypatch.setenv("RNNZIP_SCHEDULER", cluster.scheduler_address)
    assert main(["-1", "-c", "--cluster", "--block-size", str(BLOCK), str(tmp_path / "a.txt")]) == 0
    assert rnnzip.decompress(capsysbinary.readouterr().out) == sample(1500)


def test_api_files_and_many_files(client, tmp_path: Path) -> None:
    sources = []
    for i, n in enumerate([0, 10, 2500, 700]):
        sources.append(tmp_path / f"f{i}.txt")
        sources[-1].write_bytes(sample(n))
    counts = rnnzip.compress_files(sources, level=1, block_size=BLOCK, client=client)
    for source, (n_in, n_out) in zip(sources, counts, strict=True):
        packed = Path(str(source) + ".rnz").read_bytes()
        assert packed == rnnzip.compress(source.read_bytes(), level=1, block_size=BLOCK)
        assert (n_in, n_out) == (source.stat().st_size, len(packed))
    target = tmp_path / "back.txt"
    rnnzip.decompress_file(Path(str(sources[2]) + ".rnz"), target, client=client)
    assert target.read_bytes() == sources[2].read_bytes()
    rnnzip.compress_file(sources[3], tmp_path / "one.rnz", level=1, client=client)
    assert (tmp_path / "one.rnz").read_bytes() == rnnzip.compress(sample(700), level=1)


def test_a_killed_worker_is_survived(tmp_path: Path) -> None:
    data = sample(60_000)
    expected = rnnzip.compress(data, level=6, block_size=6000)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    ) as local:
        from rnnzip.cluster import connect

        client = connect(local.scheduler_address)
        pids = sorted(client.run(os.getpid).values())

        def kill_one() -> None:
            time.sleep(1.5)  # the first frames are being coded
            os.kill(pids[0], signal.SIGKILL)

        killer = threading.Thread(target=kill_one)
        killer.start()
        (tmp_path / "in.txt").write_bytes(data)
        start = time.monotonic()
        rnnzip.compress_file(tmp_path / "in.txt", tmp_path / "out.rnz", level=6, block_size=6000, client=client)
        assert time.monotonic() - start > 1.5  # the worker died during the run
        killer.join()
        assert (tmp_path / "out.rnz").read_bytes() == expected
        assert pids[0] not in client.run(os.getpid).values()  # its nanny started another
        client.close()


def test_a_missing_scheduler_fails_cleanly(tmp_path: Path, capsys) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(sample(500))
    assert main(["--cluster", "tcp://127.0.0.1:9", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert [p.name for p in tmp_path.iterdir()] == ["in.txt"] and path.read_bytes() == sample(500)


def test_another_rnnzip_version_is_refused_before_any_work(cluster, monkeypatch) -> None:
    from rnnzip import cluster as cluster_mode

    monkeypatch.setattr(cluster_mode, "__version__", "0.0.0-other")
    with pytest.raises(RnnzipError, match=r"runs rnnzip .*, this client 0.0.0-other"):
        cluster_mode.connect(cluster.scheduler_address)


def test_bad_frames_from_a_worker_are_caught() -> None:
    from rnnzip.cluster import _checked_data, _checked_frame
    from rnnzip.format import read_header

    block = sample(800)
    frame = rnnzip.compress(block, level=1)
    assert _checked_frame(frame, block) == frame
    corrupt = bytearray(frame)
    corrupt[-3] ^= 1
    with pytest.raises(BadRnnzipFile, match="bad frame"):
        _checked_frame(bytes(corrupt), block)
    with pytest.raises(BadRnnzipFile, match="other data"):
        _checked_frame(frame, sample(801))
    import io

    header = read_header(io.BytesIO(frame))
    assert _checked_data(block, header) == block
    with pytest.raises(BadRnnzipFile, match="wrong data"):
        _checked_data(block[:-1] + b"?", header)
