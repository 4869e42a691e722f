"""What the engine's network adds and costs: each file coded by presets side by side (by default
level 6, level 9 without its network (`cm-30`) and level 9), interleaved, each run in a fresh
process that compresses, decompresses and checks; sizes, CPU seconds both ways (medians of --runs)
and peak memory, as a Markdown table.

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
    parser.add_argument("--presets", default="level-6,cm-30,level-9")
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
        f"| file | size | {' | '.join(presets)} | {presets[-1]} vs {presets[-2]} | CPU s c/d ({', '.join(presets)}) "
        f"| {presets[-1]} CPU vs {presets[0]} | KB/s c/d ({presets[-1]}) | peak MB ({presets[-1]}) |",
        "|---" * (7 + len(presets)) + "|",
    ]
    for path in args.files:
        runs: dict[str, list[list[float]]] = {p: [] for p in presets}
        for _ in range(args.runs):
            for preset in presets:
                runs[preset].append(_run(path, preset))
        size = os.path.getsize(path)
        sizes = {p: int(runs[p][0][0]) for p in presets}
        cpu = {p: (statistics.median(r[1] for r in runs[p]), statistics.median(r[2] for r in runs[p])) for p in presets}
        a, b = presets[-2], presets[-1]
        times = ", ".join(f"{c:.1f}/{d:.1f}" for c, d in cpu.values())
        ratio = (cpu[b][0] + cpu[b][1]) / (cpu[presets[0]][0] + cpu[presets[0]][1])
        speed = f"{size / 1000 / cpu[b][0]:.1f} / {size / 1000 / cpu[b][1]:.1f}"
        lines.append(
            f"| {Path(path).name} | {size:,} | {' | '.join(f'{sizes[p]:,}' for p in presets)} | "
            f"{(sizes[b] / sizes[a] - 1) * 100:+.2f}% | {times} | {ratio:.2f} | {speed} | {int(runs[b][0][3])} |"
        )
        print(lines[-1], flush=True)
    table = "\n".join(lines) + "\n"
    if args.out:
        Path(args.out).write_text(table)


if __name__ == "__main__":
    main()
