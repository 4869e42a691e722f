"""Tables (Markdown, CSV, JSON) and the bits-per-byte vs throughput plot."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

from .runner import Row

COLUMNS = [
    "file",
    "codec",
    "original",
    "compressed",
    "ratio",
    "bpb",
    "compress s",
    "decompress s",
    "compress KB/s",
    "decompress KB/s",
    "compress CPU s",
    "decompress CPU s",
    "peak MB",
    "round trip",
]


def _cells(r: Row) -> list[str]:
    def num(v: float | None, fmt: str) -> str:
        return "" if v is None else format(v, fmt)

    def speed(v: float | None) -> str:
        return "" if v is None else format(v, ".1f" if v >= 10 else ".3g")

    status = "verified" if r.ok else r.status
    return [
        r.file,
        r.codec,
        f"{r.original:,}",
        num(r.compressed, ","),
        num(r.ratio, ".3f"),
        num(r.bpb, ".3f"),
        num(r.c_wall, ".3f"),
        num(r.d_wall, ".3f"),
        speed(r.kbps(r.c_wall)),
        speed(r.kbps(r.d_wall)),
        num(r.c_cpu, ".3f"),
        num(r.d_cpu, ".3f"),
        num(r.peak_mb, ".0f"),
        status,
    ]


def markdown(rows: list[Row], info: dict[str, str]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(_cells(r)) + " |" for r in rows]
    env = "; ".join(f"{k} {v}" for k, v in info.items())
    return (
        "\n".join(lines) + f"\n\nMachine and versions: {env}. Times are medians of the repeats; "
        "peak MB is the peak RSS of the fresh process that ran the codec.\n"
    )


def to_csv(rows: list[Row]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    writer.writerows(_cells(r) for r in rows)
    return buf.getvalue()


def to_json(rows: list[Row], info: dict[str, str]) -> str:
    return json.dumps({"machine": info, "rows": [asdict(r) | {"ratio": r.ratio, "bpb": r.bpb} for r in rows]}, indent=1)


def pareto(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points no other point beats on both throughput (higher) and bits per byte (lower)."""
    front, best = [], float("inf")
    for speed, bpb in sorted(points, key=lambda p: -p[0]):
        if bpb < best:
            front.append((speed, bpb))
            best = bpb
    return front


def plot(rows: list[Row], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 6))
    markers = "osD^v<>pP*Xh"
    for i, file in enumerate(dict.fromkeys(r.file for r in rows)):
        named = [(r.codec, r.kbps(r.c_wall), r.bpb) for r in rows if r.file == file and r.ok]
        ok = [(codec, x, y) for codec, x, y in named if x is not None and y is not None]
        ax.scatter([x for _, x, _ in ok], [y for _, _, y in ok], marker=markers[i % len(markers)], label=file)
        for codec, x, y in ok:
            ax.annotate(codec, (x, y), textcoords="offset points", xytext=(4, 3), fontsize=7)
        front = pareto([(x, y) for _, x, y in ok])
        ax.step([p[0] for p in front], [p[1] for p in front], where="post", alpha=0.4, linestyle="--")
    ax.set_xscale("log")
    ax.set_xlabel("compression throughput, KB/s (log scale)")
    ax.set_ylabel("bits per byte (lower is better)")
    ax.set_title("rnnzip vs classical compressors (dashed: Pareto frontier per file)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
