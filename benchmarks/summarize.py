"""Summarise a `rnnzip bench` Markdown table against PPMd o8, bzip2 and xz (one row per file).

Usage: python benchmarks/summarize.py benchmarks/results/corpus.md > benchmarks/results/corpus-summary.md
"""

from __future__ import annotations

import sys


def main(path: str) -> None:
    table: dict[str, dict[str, list[str]]] = {}
    with open(path) as f:
        for line in f:
            if line.startswith("| ") and not line.startswith("| file"):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                table.setdefault(cells[0], {})[cells[1]] = cells

    def size(cells: list[str]) -> int:
        return int(cells[3].replace(",", ""))

    print(
        "| file | size | rnnzip | bpb | PPMd o8 | bzip2 -9 | xz -9e | rnnzip vs PPMd o8 "
        "| rnnzip KB/s (c / d) | peak MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    totals = dict.fromkeys(["original", "rnnzip", "PPMd o8", "bzip2 -9", "xz -9e"], 0)
    for name, rows in table.items():
        r, p = rows["rnnzip"], rows["PPMd o8"]
        totals["original"] += int(r[2].replace(",", ""))
        for codec in ("rnnzip", "PPMd o8", "bzip2 -9", "xz -9e"):
            totals[codec] += size(rows[codec])
        print(
            f"| {name} | {r[2]} | {r[3]} | {r[5]} | {p[3]} | {rows['bzip2 -9'][3]} | {rows['xz -9e'][3]} | "
            f"{100 * (size(r) / size(p) - 1):+.1f}% | {r[8]} / {r[9]} | {r[12]} |"
        )
    bpb = 8 * totals["rnnzip"] / totals["original"]
    print(
        f"| **total** | {totals['original']:,} | {totals['rnnzip']:,} | {bpb:.3f} | {totals['PPMd o8']:,} | "
        f"{totals['bzip2 -9']:,} | {totals['xz -9e']:,} | "
        f"{100 * (totals['rnnzip'] / totals['PPMd o8'] - 1):+.1f}% | | |"
    )


if __name__ == "__main__":
    main(sys.argv[1])
