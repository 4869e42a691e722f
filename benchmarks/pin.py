"""Pin the engine's output: SHA-256 of what each level writes for a fixed set of inputs.

A change that must not alter the output (a refactoring, a speed-up) keeps every hash:

    python benchmarks/pin.py --out /tmp/before.tsv          # on the old code
    python benchmarks/pin.py --check benchmarks/results/pins.tsv   # on the new code

Inputs: enwik5, alice29, progc, the first 200 KB of the Russian novel and book1 at levels 1, 6
and 9, and (with --large) the 5 MB text of `benchmarks/run.sh text5mb` at level 1. The golden
frames in tests/data (a multi-stream one among them) pin the rest.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FILES = {
    "enwik5": ("enwik/enwik5", None),
    "alice29": ("canterbury/alice29.txt", None),
    "progc": ("calgary/progc", None),
    "russian-200k": ("ru/dostoevsky_selo_stepanchikovo.txt", 200_000),
    "book1": ("calgary/book1", None),
}
LEVELS = (1, 6, 9)
# benchmarks/run.sh text5mb concatenates these, in this order
TEXT5MB = [
    "enwik/enwik6",
    *(f"canterbury/{f}.txt" for f in ("alice29", "asyoulik", "lcet10", "plrabn12")),
    *(f"calgary/{f}" for f in ("book1", "book2", "news", "paper1", "paper2", "paper3", "paper4", "paper5", "paper6")),
    "calgary/bib",
    "ru/dostoevsky_selo_stepanchikovo.txt",
]


def _read(name: str) -> bytes:
    if name == "text5mb":
        return b"".join((CORPUS / f).read_bytes() for f in TEXT5MB)
    path, limit = FILES[name]
    data = (CORPUS / path).read_bytes()
    return data if limit is None else data[:limit]


def _pin(job: tuple[str, int]) -> str:
    import rnnzip

    name, level = job
    data = _read(name)
    packed = rnnzip.compress(data, level=level)
    return f"{name}\t{level}\t{len(data)}\t{len(packed)}\t{hashlib.sha256(packed).hexdigest()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="write the pins here (TSV)")
    parser.add_argument("--check", type=Path, help="compare with these pins; exit 1 on any difference")
    parser.add_argument("--large", action="store_true", help="also the 5 MB text at level 1")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    jobs = [(name, level) for level in LEVELS for name in FILES]
    if args.large:
        jobs.insert(0, ("text5mb", 1))
    with ProcessPoolExecutor(args.workers) as pool:
        lines = list(pool.map(_pin, jobs))
    text = "file\tlevel\tbytes\tcompressed\tsha256\n" + "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.out:
        args.out.write_text(text)
    if args.check:
        expected = {tuple(row.split("\t")[:2]): row for row in args.check.read_text().splitlines()[1:]}
        differ = [row for row in lines if expected.get(tuple(row.split("\t")[:2])) not in (None, row)]
        for row in differ:
            print("DIFFERS:", row, file=sys.stderr)
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
