"""Cluster mode against -T on this machine: a Dask scheduler and two single-threaded workers on
127.0.0.1 (started as a user would: `dask scheduler`, `dask worker`), the 5 MB text of
`benchmarks/run.sh text5mb` at several block sizes. Checks that both ways give the same bytes
as -T1, and reports wall time, throughput, ratio and the overhead per frame.

    python benchmarks/cluster.py --out benchmarks/results/cluster.md
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
sys.path.insert(0, str(Path(__file__).parent))
from pin import TEXT5MB  # noqa: E402  (the same 5 MB text)

PORT = 8799


def _rnnzip(*args: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "rnnzip", *args], capture_output=True, check=True).stdout
    return time.perf_counter() - start, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--level", type=int, default=1)
    parser.add_argument("--blocks", default="90K,256K,1M,5M")
    args = parser.parse_args(argv)
    bin_dir = Path(sys.executable).parent
    address = f"tcp://127.0.0.1:{PORT}"
    procs = [subprocess.Popen([bin_dir / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(PORT),
                               "--no-dashboard"], stderr=subprocess.DEVNULL)]  # fmt: skip
    time.sleep(3)
    procs += [subprocess.Popen([bin_dir / "dask", "worker", address, "--nthreads", "1", "--no-dashboard",
                                "--host", "127.0.0.1"], stderr=subprocess.DEVNULL) for _ in range(2)]  # fmt: skip
    time.sleep(5)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            text = Path(tmp) / "text5mb"
            text.write_bytes(b"".join((CORPUS / f).read_bytes() for f in TEXT5MB))
            size = text.stat().st_size
            _rnnzip("--cluster", address, "-1", "-c", "--block-size", "90K", str(text))  # workers load the engine
            for block in args.blocks.split(","):
                common = [f"-{args.level}", "-c", "--block-size", block, str(text)]
                t1, one = _rnnzip("-T1", *common)
                t2, two = _rnnzip("-T2", *common)
                tc, cluster = _rnnzip("--cluster", address, *common)
                packed = Path(tmp) / "packed.rnz"
                packed.write_bytes(cluster)
                td, back = _rnnzip("--cluster", address, "-d", "-c", str(packed))
                assert one == two == cluster and back == text.read_bytes(), "the bytes differ"
                frames = -(-size // _bytes(block))
                rows.append((block, frames, len(cluster), t1, t2, tc, td))
                print(rows[-1], flush=True)
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    lines = [
        f"Cluster mode against -T (level {args.level}; 5 MB text, {size:,} bytes; a scheduler and 2 single-threaded"
        " workers on 127.0.0.1; 2-core AMD EPYC; single runs, whole processes; every output identical to -T1,"
        " both ways)",
        "",
        "| block size | frames | compressed | -T1 s | -T2 s | cluster s | cluster KB/s | cluster decompress s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for block, frames, packed_size, t1, t2, tc, td in rows:
        lines.append(f"| {block} | {frames} | {packed_size:,} | {t1:.1f} | {t2:.1f} | {tc:.1f} | "
                     f"{size / tc / 1000:.0f} | {td:.1f} |")  # fmt: skip
    text_out = "\n".join(lines) + "\n"
    print(text_out)
    if args.out:
        args.out.write_text(text_out)
    return 0


def _bytes(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


if __name__ == "__main__":
    raise SystemExit(main())
