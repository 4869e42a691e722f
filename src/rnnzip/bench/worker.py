"""Measure one codec on one file in this (fresh) process; print one JSON line.

Run as a script: `python worker.py SPEC FILE LIMIT REPEAT DEVICE`.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from adapters import load


def timed(fn, arg):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(arg)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    spec, path, limit, repeat, device = sys.argv[1:6]
    with open(path, "rb") as f:
        data = f.read(int(limit)) if int(limit) > 0 else f.read()
    row: dict = {"original": len(data)}
    try:
        codec = load(spec, device)
        row["codec"] = codec.name
        c_runs, d_runs, ok = [], [], True
        for _ in range(int(repeat)):
            packed, wall, cpu = timed(codec.compress, data)
            c_runs.append((wall, cpu))
            try:
                restored, wall, cpu = timed(codec.decompress, packed)
                d_runs.append((wall, cpu))
                ok = ok and restored == data
            except Exception:  # a codec that cannot read its own output is a failed round trip
                ok = False
        row.update(
            compressed=len(packed),
            status="ok" if ok else "FAILED",
            c_wall=statistics.median(w for w, _ in c_runs),
            c_cpu=statistics.median(c for _, c in c_runs),
            d_wall=statistics.median(w for w, _ in d_runs) if d_runs else None,
            d_cpu=statistics.median(c for _, c in d_runs) if d_runs else None,
        )
    except Exception as e:  # reported as a row, never a silent drop
        row.update(status=f"error: {type(e).__name__}: {e}")
    row["peak_mb"] = peak_rss_kb() / 1024
    print(json.dumps(row))


def peak_rss_kb() -> int:
    """This process's peak RSS (VmHWM: ru_maxrss would include the parent's from before exec),
    or that of its largest child if it started any."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    try:
        with open("/proc/self/status") as f:
            own = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return max(own, children)


if __name__ == "__main__":
    main()
