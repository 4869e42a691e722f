"""Fault injection: signals, a full device, an unwritable directory and a killed worker. After
each, the input is untouched, no output or temporary file is left, and no worker lives on."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import rnnzip
from conftest import sample
from rnnzip.cli import main

pytestmark = pytest.mark.slow  # subprocesses and signals

CODE_ARGS = ["-1", "--block-size", "200K"]  # level 1; 3 frames of the input below, for -T2


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """(600 KB of text, its compressed form): each takes a few seconds to code."""
    text = sample(100_000)
    data = b"".join(text[i:] + text[:i] for i in range(0, 60_000, 10_000))
    return data, rnnzip.compress(data, level=1, block_size=200 << 10)


def children(pid: int) -> set[int]:
    """The pids of a process's children (its workers)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found |= {int(c) for c in (task / "children").read_text().split()} if (task / "children").exists() else set()
    return found


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def interrupt(args: list[str], cwd: Path, sig: int, wait_for_workers: int = 0) -> tuple[int, set[int], str]:
    """Run rnnzip, send `sig` once it is coding (and runs `wait_for_workers` workers); returns
    (exit status, the workers it had, stderr)."""
    proc = subprocess.Popen([sys.executable, "-m", "rnnzip", *args], cwd=cwd, stderr=subprocess.PIPE)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        workers |= children(proc.pid)
        started = any(cwd.glob(".*.tmp")) or "-c" in args or "-t" in args
        if started and len(workers) >= wait_for_workers:
            time.sleep(1.0)  # well inside the coding of a frame
            workers |= children(proc.pid)
            break
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, workers, err.decode()


def assert_clean(directory: Path, expected: set[str], workers: set[int]) -> None:
    assert {p.name for p in directory.iterdir()} == expected  # no output, no temporary file
    deadline = time.monotonic() + 10
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(w) for w in workers), "a worker process outlived rnnzip"


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("threads", [1, 2])
def test_signal_during_compression(tmp_path: Path, big: tuple[bytes, bytes], sig: int, status: int,
                                   threads: int) -> None:  # fmt: skip
    (tmp_path / "in.txt").write_bytes(big[0])
    code, workers, err = interrupt([*CODE_ARGS, f"-T{threads}", "in.txt"], tmp_path, sig, threads if threads > 1 else 0)
    assert code == status, err
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    assert (tmp_path / "in.txt").read_bytes() == big[0]
    assert_clean(tmp_path, {"in.txt"}, workers)


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("threads", [1, 2])
def test_signal_during_decompression(tmp_path: Path, big: tuple[bytes, bytes], sig: int, status: int,
                                     threads: int) -> None:  # fmt: skip
    (tmp_path / "in.txt.rnz").write_bytes(big[1])
    code, workers, err = interrupt(["-d", f"-T{threads}", "in.txt.rnz"], tmp_path, sig, threads if threads > 1 else 0)
    assert code == status, err
    assert (tmp_path / "in.txt.rnz").read_bytes() == big[1]
    assert_clean(tmp_path, {"in.txt.rnz"}, workers)


def test_killed_worker_fails_cleanly(tmp_path: Path, big: tuple[bytes, bytes]) -> None:
    (tmp_path / "in.txt").write_bytes(big[0])
    proc = subprocess.Popen([sys.executable, "-m", "rnnzip", *CODE_ARGS, "-T2", "in.txt"], cwd=tmp_path,
                            stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 60
    while not (workers := {w for w in children(proc.pid) if b"spawn_main" in cmdline(w)}):
        assert time.monotonic() < deadline, "no worker started"
        time.sleep(0.05)
    time.sleep(1.0)
    os.kill(min(workers), signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "worker process stopped unexpectedly" in err.decode()
    assert (tmp_path / "in.txt").read_bytes() == big[0]
    assert_clean(tmp_path, {"in.txt"}, workers | children(proc.pid))


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_full_device_on_stdout(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(sample(5000))
    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "rnnzip", "-c", "a.txt"], cwd=tmp_path, stdout=full,
                                stderr=subprocess.PIPE)  # fmt: skip
    err = result.stderr.decode()
    assert result.returncode == 1 and "No space left on device" in err and err.count("\n") == 1, err
    assert (tmp_path / "a.txt").read_bytes() == sample(5000)


def test_full_disk_in_file_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """ENOSPC when the output is flushed to disk: the temporary file goes, the input stays."""
    (tmp_path / "a.txt").write_bytes(sample(5000))

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("rnnzip.files.os.fsync", no_space)
    assert main(["-1", str(tmp_path / "a.txt")]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert {p.name for p in tmp_path.iterdir()} == {"a.txt"}
    assert (tmp_path / "a.txt").read_bytes() == sample(5000)


def test_unwritable_output_directory(tmp_path: Path) -> None:
    """Run as an unprivileged user: as root, nobody (uid 65534) if it can run this Python."""
    directory = tmp_path / "read-only"
    directory.mkdir()
    (directory / "a.txt").write_bytes(sample(3000))
    directory.chmod(0o555)
    tmp_path.chmod(0o755)
    user: dict = {}
    if os.geteuid() == 0:
        try:
            runs = subprocess.run([sys.executable, "-c", "pass"], user=65534, capture_output=True).returncode == 0
        except OSError:
            runs = False
        if not runs:
            pytest.skip("root, and user nobody cannot run this Python (it lives in a private directory)")
        user = {"user": 65534}
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    result = subprocess.run([sys.executable, "-m", "rnnzip", "-1", "a.txt"], cwd=directory, capture_output=True,
                            env=env, **user)  # fmt: skip
    assert result.returncode == 1 and "Permission denied" in result.stderr.decode()
    assert {p.name for p in directory.iterdir()} == {"a.txt"}
    shutil.rmtree(directory, ignore_errors=True)


def test_output_directory_refusing_the_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys) -> None:  # fmt: skip
    """The same refusal in-process (it runs as root too): one line, the input kept."""
    (tmp_path / "a.txt").write_bytes(sample(3000))

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr("rnnzip.files.tempfile.mkstemp", denied)
    assert main(["-1", str(tmp_path / "a.txt")]) == 1
    assert "Permission denied" in capsys.readouterr().err
    assert {p.name for p in tmp_path.iterdir()} == {"a.txt"}
