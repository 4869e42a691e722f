"""Rank candidate priors (files written by export.py --out) by what they gain in the engine: the bytes
that a level (default 6) codes 200 KB of each part's held-out documents in (bytes 200,000-400,000 of
the part's held-out text: not the 60 KB that train.py scores), and optionally other files.

    python prior/rank.py /tmp/a.npz /tmp/b.npz src/rnnzip/data/prior.npz [--files F ...]
    python prior/rank.py /tmp/wide.npz --set hidden_size=192      # a prior of another size

Held-out bits per byte of the network alone do not rank priors (README: "Choosing a prior").
"""

from __future__ import annotations

import argparse
from pathlib import Path

import train  # prior/train.py: the corpus and its held-out split

import rnnzip
import rnnzip.api
from rnnzip import prior

DEV_START, DEV_BYTES = 200_000, 200_000
DEV_PARTS = ("en", "ru", "code")


def use_prior(path: Path) -> None:
    """Make `path` this process's prior (a candidate: frames made with it carry its id)."""
    prior._path = lambda: path  # type: ignore[assignment]  # the package's one place that names the file
    for cached in (prior.prior_id, prior._arrays, prior.weights):
        cached.cache_clear()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("priors", type=Path, nargs="+")
    ap.add_argument("--level", type=int, default=6)
    ap.add_argument("--files", type=Path, nargs="*", default=[])
    ap.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE", help="override the level's parameters")
    args = ap.parse_args()
    level = rnnzip.api.make_config(args.level)
    params = {}
    for item in args.set:
        name, _, value = item.partition("=")
        if not hasattr(level, name) or not value:
            ap.error(f"--set {item}: expected NAME=VALUE with NAME a parameter of level {args.level}")
        params[name] = type(getattr(level, name))(value)
    texts, rows = train.documents()
    inputs = {}
    for part in DEV_PARTS:
        inputs[f"held-out {part}"] = train.held_out_part(texts, rows, part)[DEV_START : DEV_START + DEV_BYTES]
    inputs.update({path.name: path.read_bytes() for path in args.files})
    print("| prior | " + " | ".join(inputs) + " | held-out total |")
    print("|---|" + "---:|" * (len(inputs) + 1))
    for path in args.priors:
        use_prior(path.resolve())
        sizes = {name: len(rnnzip.compress(data, args.level, **params)) for name, data in inputs.items()}
        dev = sum(v for k, v in sizes.items() if k.startswith("held-out"))
        print(f"| {path.name} | " + " | ".join(f"{v:,}" for v in sizes.values()) + f" | {dev:,} |", flush=True)


if __name__ == "__main__":
    main()
