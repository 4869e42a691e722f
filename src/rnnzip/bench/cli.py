"""`rnnzip bench [PATHS...]`: the comparison table, with one command anyone can run."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

from . import report
from .adapters import CLASSICAL
from .runner import expand_paths, machine_info, run_all

DEFAULT_CODECS = ["rnnzip", "rnnzip:1", "rnnzip:9", *CLASSICAL]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rnnzip bench", description=__doc__)
    p.add_argument("paths", nargs="*", help="files or folders (default: the bundled enwik5 sample)")
    p.add_argument(
        "--codecs",
        default=",".join(DEFAULT_CODECS),
        help=f"comma-separated: {', '.join(CLASSICAL)}, rnnzip, rnnzip:LEVEL|PRESET, "
        "python:MODULE:ATTR (default: %(default)s)",
    )
    p.add_argument(
        "--presets", default="", help="extra rnnzip presets or levels, comma-separated (e.g. 1,5,lstm-att,seed-gru-att)"
    )
    p.add_argument("--limit", type=int, default=0, help="use only the first BYTES of each file")
    p.add_argument("--repeat", type=int, default=1, help="runs per codec and file; times are medians")
    p.add_argument("--format", choices=["md", "csv", "json"], default="md")
    p.add_argument("--out", help="write the table to this file too")
    p.add_argument("--plot", help="write the bits-per-byte vs throughput plot (PNG)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.repeat < 1 or args.limit < 0:
        print("rnnzip bench: --repeat must be >= 1 and --limit >= 0", file=sys.stderr)
        return 2
    specs = [s for s in args.codecs.split(",") if s]
    specs += [f"rnnzip:{p}" for p in args.presets.split(",") if p]
    try:
        if args.paths:
            files = expand_paths(args.paths)
        else:
            sample = resources.files("rnnzip") / "data" / "enwik5"
            files = [(Path(str(sample)), "enwik5")]
    except FileNotFoundError as e:
        print(f"rnnzip bench: {e}", file=sys.stderr)
        return 1

    def progress(done: int, total: int, row) -> None:
        detail = f"{row.compressed:,} bytes, {row.c_wall:.2f} s" if row.ok else row.status
        print(f"[{done}/{total}] {row.codec} on {row.file}: {detail}", file=sys.stderr, flush=True)

    rows = run_all(specs, files, args.limit, args.repeat, args.device, progress)
    info = machine_info(args.device)
    text = {
        "md": lambda: report.markdown(rows, info),
        "csv": lambda: report.to_csv(rows),
        "json": lambda: report.to_json(rows, info),
    }[args.format]()
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    if args.plot and rows:
        report.plot(rows, args.plot)
    return 0 if all(r.ok for r in rows) else 1
