"""Soak test: round-trip every file of ../shared/corpus at levels 1, 6 and 9 and with every
byte-level network and hybrid, plus generated inputs (random, one byte repeated, long repeats,
UTF-8 of several scripts), and print the counts as a Markdown summary.

Usage: python benchmarks/soak.py [--quick] > benchmarks/results/soak.md
(--quick: the slow settings only on the first 4 KB of each file, for minutes instead of hours)
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import rnnzip

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SETTINGS = {
    "level 1": {"level": 1},
    "level 6": {"level": 6},
    "level 9": {"level": 9},
    "level 9 without the prior": {"level": 9, "use_prior": False},
    "hybrid-6": {"model": "hybrid-6"},
    "lstm": {"model": "lstm"},
    "gru": {"model": "gru"},
    "lstm-att": {"model": "lstm-att"},
    "gru-att": {"model": "gru-att"},
}
# about 10 KB/s: cut in --quick
SLOW = {"level 9", "level 9 without the prior", "hybrid-6", "lstm", "gru", "lstm-att", "gru-att"}


def generated() -> dict[str, bytes]:
    rng = random.Random(2026)
    words = ["Привет мир ", "γειά σου κόσμε ", "こんにちは世界 ", "مرحبا بالعالم ", "hello world "]
    return {
        "random 64 KB": rng.randbytes(65536),
        "one byte x 1 MB": b"\0" * (1 << 20),
        "long repeats": (rng.randbytes(3000) * 40)[:100_000],
        "UTF-8 scripts": "".join(rng.choice(words) for _ in range(6000)).encode(),
        "empty": b"",
        "one byte": b"x",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    inputs = {str(p.relative_to(CORPUS)): p.read_bytes() for p in sorted(CORPUS.rglob("*")) if p.is_file()}
    inputs = {name: data for name, data in inputs.items() if not name.endswith(".md")}
    inputs.update(generated())
    counts = {name: [0, 0] for name in SETTINGS}  # setting -> [round trips, failures]
    failures, start = [], time.monotonic()
    for name, data in inputs.items():
        for setting, kwargs in SETTINGS.items():
            sample = data[:4_000] if args.quick and setting in SLOW else data
            try:
                ok = rnnzip.decompress(rnnzip.compress(sample, **kwargs)) == sample
            except Exception as e:
                ok, why = False, f"{type(e).__name__}: {e}"
            else:
                why = "decoded to other bytes"
            counts[setting][0 if ok else 1] += 1
            if not ok:
                failures.append(f"{name} at {setting}: {why}")
            print(f"{name} {setting}: {'ok' if ok else 'FAILED'}", file=sys.stderr, flush=True)
    print(f"# Soak: {len(inputs)} inputs x {len(SETTINGS)} settings ({'quick' if args.quick else 'full'})\n")
    print("| setting | round trips | failures |\n|---|---:|---:|")
    for setting, (good, bad) in counts.items():
        print(f"| {setting} | {good} | {bad} |")
    total = sum(good + bad for good, bad in counts.values())
    print(f"\n{total} round trips in {time.monotonic() - start:.0f} s; failures: {len(failures)}.")
    for line in failures:
        print(f"- {line}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
