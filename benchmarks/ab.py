"""Interleaved A/B timing of two checkouts of rnnzip: each run compresses then decompresses one file
in a fresh process, A and B alternately, and the medians are compared (this machine is shared and
noisy: alternating spreads the noise over both). Also the first run's time with an empty numba
cache (the engine's compile time), once per side.

    python benchmarks/ab.py /tmp/base/src src ../shared/corpus/enwik/enwik5 --level 6 --runs 5
    python benchmarks/ab.py /tmp/base/src src ../shared/corpus/canterbury/xargs.1 --compile-runs 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = """
import sys, time
import rnnzip
data = open(sys.argv[1], "rb").read()
level = int(sys.argv[2])
t0, c0 = time.perf_counter(), time.process_time()
packed = rnnzip.compress(data, level=level)
t1, c1 = time.perf_counter(), time.process_time()
assert rnnzip.decompress(packed) == data
t2, c2 = time.perf_counter(), time.process_time()
peak = [int(v.split()[1]) // 1024 for v in open("/proc/self/status") if v.startswith("VmHWM")][0]
print(len(packed), t1 - t0, c1 - c0, t2 - t1, c2 - c1, peak)
"""


def _run(src: str, path: str, level: int, cache: str) -> list[float]:
    env = dict(os.environ, PYTHONPATH=src, NUMBA_CACHE_DIR=cache)
    out = subprocess.run([sys.executable, "-c", _CHILD, path, str(level)], env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return [float(v) for v in out.stdout.split()]


def _first_run(src: str, path: str, level: int) -> float:
    """Wall seconds of a whole process with an empty numba cache."""
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        _run(src, path, level, cache)
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a", help="A: a src directory (PYTHONPATH)")
    parser.add_argument("b", help="B: a src directory")
    parser.add_argument("file")
    parser.add_argument("--level", type=int, default=6)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compile-runs", type=int, default=1, help="empty-cache runs per side (0: none)")
    args = parser.parse_args(argv)
    sides = {"A": str(Path(args.a).resolve()), "B": str(Path(args.b).resolve())}
    firsts: dict[str, list[float]] = {k: [] for k in sides}
    for _ in range(args.compile_runs):
        for k, src in sides.items():
            firsts[k].append(_first_run(src, args.file, args.level))
    first = {k: statistics.median(v) for k, v in firsts.items() if v}
    caches = {k: tempfile.mkdtemp(prefix=f"ab-{k}-") for k in sides}
    for k, src in sides.items():  # warm each side's cache
        _run(src, args.file, args.level, caches[k])
    rows: dict[str, list[list[float]]] = {k: [] for k in sides}
    for _ in range(args.runs):
        for k, src in sides.items():
            rows[k].append(_run(src, args.file, args.level, caches[k]))
    print(f"{Path(args.file).name}, level {args.level}, {args.runs} interleaved runs each (medians)\n")
    print("| side | src | bytes | compress s (CPU s) | decompress s (CPU s) | peak MB | first run, empty cache, s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    medians = {}
    for k, src in sides.items():
        m = [statistics.median(r[i] for r in rows[k]) for i in range(6)]
        medians[k] = m
        compile_s = f"{first[k]:.1f}" if first else "-"
        times = f"{m[1]:.2f} ({m[2]:.2f}) | {m[3]:.2f} ({m[4]:.2f})"
        print(f"| {k} | {src} | {m[0]:.0f} | {times} | {m[5]:.0f} | {compile_s} |")
    a, b = medians["A"], medians["B"]
    print(f"\nB / A: compress {b[1] / a[1]:.3f}, decompress {b[3] / a[3]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
