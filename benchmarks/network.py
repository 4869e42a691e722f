"""What the engine's network and its prior add and cost: each file coded by presets side by side,
interleaved, each run in a fresh process that compresses, decompresses and checks; sizes, CPU seconds
both ways (medians of --runs) and peak memory, against the first preset, as a Markdown table.

    python benchmarks/network.py ../shared/corpus/enwik/enwik5 ../shared/corpus/canterbury/alice29.txt \
        --runs 3 --out benchmarks/results/network.md
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = """
import sys, time
import rnnzip
data = open(sys.argv[1], "rb").read()
c0 = time.process_time()
packed = rnnzip.compress(data, model=sys.argv[2])
c1 = time.process_time()
assert rnnzip.decompress(packed) == data
c2 = time.process_time()
peak = [int(v.split()[1]) // 1024 for v in open("/proc/self/status") if v.startswith("VmHWM")][0]
print(len(packed), c1 - c0, c2 - c1, peak)
"""
SRC = str(Path(__file__).resolve().parents[1] / "src")


def _run(path: str, preset: str) -> list[float]:
    env = dict(os.environ, PYTHONPATH=SRC)
    out = subprocess.run([sys.executable, "-c", _CHILD, path, preset], env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return [float(v) for v in out.stdout.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--presets", default="level-6-no-prior,level-6,cm-30,level-9-no-prior,level-9")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--out")
    args = parser.parse_args()
    presets = args.presets.split(",")
    with tempfile.NamedTemporaryFile() as warm:  # compile the kernel outside the timings
        warm.write(Path(args.files[0]).read_bytes()[:2000])
        warm.flush()
        for preset in presets:
            _run(warm.name, preset)
    lines = [
        "| file | size | preset | bytes | vs first | CPU s compress | CPU s decompress | CPU vs first | KB/s c / d "
        "| peak MB |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for path in args.files:
        runs: dict[str, list[list[float]]] = {p: [] for p in presets}
        for _ in range(args.runs):
            for preset in presets:
                runs[preset].append(_run(path, preset))
        size = os.path.getsize(path)
        first = presets[0]
        cpu = {p: (statistics.median(r[1] for r in runs[p]), statistics.median(r[2] for r in runs[p])) for p in presets}
        for preset in presets:
            packed, c, d = int(runs[preset][0][0]), *cpu[preset]
            change = (packed / runs[first][0][0] - 1) * 100
            speed = f"{size / 1000 / c:.1f} / {size / 1000 / d:.1f}"
            lines.append(
                f"| {Path(path).name} | {size:,} | {preset} | {packed:,} | {change:+.2f}% | {c:.2f} | {d:.2f} "
                f"| {(c + d) / sum(cpu[first]):.2f} | {speed} | {int(max(r[3] for r in runs[preset]))} |"
            )
            print(lines[-1], flush=True)
    table = "\n".join(lines) + "\n"
    if args.out:
        Path(args.out).write_text(table)


if __name__ == "__main__":
    main()
