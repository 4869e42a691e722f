"""Run every (codec, file) pair in a fresh worker process and collect the rows."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

WORKER = Path(__file__).with_name("worker.py")


@dataclass
class Row:
    file: str
    spec: str
    codec: str = ""
    original: int = 0
    compressed: int | None = None
    c_wall: float | None = None
    c_cpu: float | None = None
    d_wall: float | None = None
    d_cpu: float | None = None
    peak_mb: float | None = None
    status: str = "not run"

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def ratio(self) -> float | None:
        return self.original / self.compressed if self.compressed else None

    @property
    def bpb(self) -> float | None:
        return 8 * self.compressed / self.original if self.compressed and self.original else None

    def kbps(self, seconds: float | None) -> float | None:
        return self.original / seconds / 1000 if seconds else None


def measure(spec: str, path: Path, limit: int, repeat: int, device: str, label: str) -> Row:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [sys.executable, str(WORKER), spec, str(path), str(limit), str(repeat), device],
        capture_output=True,
        text=True,
        env=env,
    )
    row = Row(file=label, spec=spec, codec=spec)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        row.status = f"error: worker exited {proc.returncode}: {proc.stderr.strip().splitlines()[-1:] or ''}"
        return row
    for key, value in json.loads(lines[-1]).items():
        setattr(row, key, value)
    return row


def run_all(
    specs: list[str],
    files: list[tuple[Path, str]],
    limit: int,
    repeat: int,
    device: str,
    on_row: Callable[[int, int, Row], None],
) -> list[Row]:
    """Measure everything; on Ctrl-C return the rows finished so far."""
    rows: list[Row] = []
    total = len(specs) * len(files)
    try:
        for path, label in files:
            for spec in specs:
                rows.append(measure(spec, path, limit, repeat, device, label))
                on_row(len(rows), total, rows[-1])
    except KeyboardInterrupt:
        print(f"\ninterrupted: {len(rows)} of {total} runs finished", file=sys.stderr)
    return rows


def expand_paths(paths: Iterable[str]) -> list[tuple[Path, str]]:
    """Files, and the files inside folders (sorted), each with a short label."""
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out += [(f, f"{p.name}/{f.relative_to(p)}") for f in sorted(p.rglob("*")) if f.is_file()]
        elif p.is_file():
            out.append((p, p.name))
        else:
            raise FileNotFoundError(f"{p}: no such file or directory")
    return out


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_info(device: str) -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    info = {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "device": device,
        "rnnzip threads": "1 per frame",
    }
    if device != "cpu":  # the card's name: a GPU table means little without it
        import torch

        info["gpu"] = torch.cuda.get_device_name() if torch.cuda.is_available() else "none available"
    for package in ("rnnzip", "torch", "numpy", "constriction", "zstandard", "brotli", "pyppmd"):
        info[package] = _version(package)
    return info
