"""Issue 5's measurements: process-tree peak memory and -T1 vs -T2 throughput of the CLI.

Usage: python benchmarks/parallel.py SIZE_MB [SIZE_MB...] --out benchmarks/results/parallel.md
Builds each input by concatenating the corpus text files (repeated as needed), runs
`rnnzip -c -T N` and `rnnzip -d -c -T N` as subprocesses, samples the RSS of the whole process
tree every 50 ms, and checks that -T1 and -T2 write the same bytes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
TEXTS = [
    "enwik/enwik6",
    "calgary/book1",
    "calgary/book2",
    "canterbury/lcet10.txt",
    "canterbury/plrabn12.txt",
    "ru/dostoevsky_selo_stepanchikovo.txt",
    "calgary/news",
    "canterbury/alice29.txt",
]


def build_input(size: int) -> bytes:
    pool = b"".join((CORPUS / t).read_bytes() for t in TEXTS)
    return (pool * (size // len(pool) + 1))[:size]


def tree_rss_kb(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return total


def run(args: list[str], stdin: Path, stdout: Path) -> tuple[float, int]:
    with open(stdin, "rb") as src, open(stdout, "wb") as dst:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "rnnzip", *args],
            stdin=src,
            stdout=dst,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss_kb(proc.pid))
            time.sleep(0.05)
        if proc.returncode:
            raise SystemExit(f"rnnzip {' '.join(args)} failed with status {proc.returncode}")
        return time.perf_counter() - start, peak


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("sizes", nargs="+", type=float, help="input sizes in MB (10**6 bytes)")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--out")
    args = p.parse_args()
    lines = [
        "| input | threads | compressed | compress s | KB/s | decompress s | KB/s "
        "| peak tree RSS MB (c / d) | same bytes as -T1 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for mb in args.sizes:
            n = int(mb * 1e6)
            src = Path(tmp) / "in"
            src.write_bytes(build_input(n))
            first = None
            for threads in args.threads.split(","):
                packed, back = Path(tmp) / f"c{threads}", Path(tmp) / "d"
                ct, cpeak = run(["-c", f"-T{threads}"], src, packed)
                dt, dpeak = run(["-d", "-c", f"-T{threads}"], packed, back)
                assert back.read_bytes() == src.read_bytes(), "round trip failed"
                first = first or packed.read_bytes()
                same = packed.read_bytes() == first
                lines.append(
                    f"| {n:,} B | {threads} | {packed.stat().st_size:,} | {ct:.1f} | {n / ct / 1000:.1f} | "
                    f"{dt:.1f} | {n / dt / 1000:.1f} | {cpeak / 1024:.0f} / {dpeak / 1024:.0f} | {same} |"
                )
                print(lines[-1], file=sys.stderr, flush=True)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
