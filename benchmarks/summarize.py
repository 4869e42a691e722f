"""Summarise a `rnnzip bench` Markdown table, one row per file: rnnzip's default (with the prior)
and `level-6-no-prior` (the engine alone, what compares with other compressors: they ship no
knowledge) against rnnzip 0.1 (format 3, its committed summary), lpaq1 -9 and paq8px -8 (measured
in ../shared/corpus/BASELINES.md), PPMd o8 and xz -9e.

Usage: python benchmarks/summarize.py benchmarks/results/corpus.md [BASELINES.md] > corpus-summary.md
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
PREVIOUS = HERE / "results" / "corpus-summary-0.1.md"  # rnnzip 0.1 (format 3), column "rnnzip"
BASELINES = HERE.parents[1] / "shared" / "corpus" / "BASELINES.md"
NO_PRIOR = "rnnzip level-6-no-prior"  # the row of run.sh's second rnnzip codec


def _rows(path: Path) -> list[list[str]]:
    return [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in path.read_text().splitlines()
        if line.startswith("| ") and not line.startswith(("| file", "| **"))
    ]


def _number(cell: str) -> int | None:
    head = cell.split("/")[0].replace(",", "").strip()
    return int(head) if head.isdigit() else None


def main(table_path: str, baselines_path: str = str(BASELINES)) -> None:
    table: dict[str, dict[str, list[str]]] = {}
    for cells in _rows(Path(table_path)):
        table.setdefault(cells[0], {})[cells[1]] = cells
    previous = {cells[0]: _number(cells[2]) for cells in _rows(PREVIOUS)}
    context_mixers = {}  # file name -> (lpaq1 -9, paq8px -8)
    for cells in _rows(Path(baselines_path)):
        if len(cells) == 4:  # the context-mixing table: file, size, lpaq1, paq8px
            context_mixers[cells[0].split("/")[-1]] = (_number(cells[2]), _number(cells[3]))

    def pct(a: int, b: int | None) -> str:
        return f"{100 * (a / b - 1):+.1f}%" if b else "-"

    def cell(n: int | None) -> str:
        return f"{n:,}" if n else "-"

    print(
        "| file | size | rnnzip (prior) | bpb | rnnzip --no-prior | prior | rnnzip 0.1 | lpaq1 -9 | paq8px -8 "
        "| PPMd o8 | xz -9e | --no-prior vs 0.1 | vs lpaq1 | vs paq8px | rnnzip KB/s (c / d) | peak MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    totals = dict.fromkeys(["original", "rnnzip", "alone", "0.1", "lpaq1", "paq8px"], 0)
    for name, rows in table.items():
        r, a = rows["rnnzip"], rows[NO_PRIOR]
        size, alone, original = _number(r[3]) or 0, _number(a[3]) or 0, _number(r[2]) or 0
        old, (lpaq, paq) = previous.get(name), context_mixers.get(name, (None, None))
        for key, n in (("original", original), ("rnnzip", size), ("alone", alone), ("0.1", old),
                       ("lpaq1", lpaq), ("paq8px", paq)):  # fmt: skip
            totals[key] += n or 0
        print(
            f"| {name} | {r[2]} | {r[3]} | {r[5]} | {a[3]} | {pct(size, alone)} | {cell(old)} | {cell(lpaq)} | "
            f"{cell(paq)} | {rows['PPMd o8'][3]} | {rows['xz -9e'][3]} | {pct(alone, old)} | {pct(alone, lpaq)} | "
            f"{pct(alone, paq)} | {r[8]} / {r[9]} | {r[12]} |"
        )
    t = totals
    print(
        f"| **total** | {t['original']:,} | {t['rnnzip']:,} | {8 * t['rnnzip'] / t['original']:.3f} | {t['alone']:,} | "
        f"{pct(t['rnnzip'], t['alone'])} | {t['0.1']:,} | {t['lpaq1']:,} | {t['paq8px']:,} | | | "
        f"{pct(t['alone'], t['0.1'])} | {pct(t['alone'], t['lpaq1'])} | {pct(t['alone'], t['paq8px'])} | | |"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
