"""Pretrain the engine's network (bitwise/lstm.py, the same code and numbers that code files) on
../shared/prior-corpus, online, one pass over the documents cut in 64 KB slices in a seeded order; a
held-out split by document (every document whose path hashes to 0 mod 40) is scored at every
checkpoint, per part.

    python prior/train.py --hours 2          # resumes from prior/checkpoints/ when it holds one

Checkpoints (the network's whole state and the position) go to prior/checkpoints/ (git-ignored);
the log of bits per byte, per part, to prior/train-log.tsv (committed).
"""

from __future__ import annotations

import argparse
import hashlib
import lzma
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from rnnzip.bitwise.lstm import Lstm, lstm_forward, lstm_next, new_lstm

# ../shared/prior-corpus, or where RNNZIP_PRIOR_CORPUS says (a GPU machine that has no ../shared)
CORPUS = Path(os.environ.get("RNNZIP_PRIOR_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "prior-corpus"))
HERE = Path(__file__).resolve().parent
PARTS = ("en", "ru", "code", "markup")
HELD_OUT_BYTES = 60_000  # per part, scored at each checkpoint
SLICE = 64 << 10


def documents() -> tuple[dict[str, bytes], list[tuple[str, int, int, str]]]:
    texts = {part: lzma.decompress((CORPUS / f"{part}.txt.xz").read_bytes()) for part in PARTS}
    rows = []
    for line in (CORPUS / "MANIFEST.tsv").read_text().splitlines()[1:]:
        part, offset, length, _, path = line.split("\t")
        rows.append((part, int(offset), int(length), path))
    return texts, rows


def held_out(path: str) -> bool:
    return hashlib.sha256(path.encode()).digest()[0] % 40 == 0


def training_stream(texts: dict[str, bytes], rows: list[tuple[str, int, int, str]], seed: int) -> bytes:
    """The training documents in slices of 64 KB, shuffled: each stretch of the stream mixes the parts, so
    that the network does not forget one language while it reads a long book of another."""
    slices = [(part, start, min(SLICE, offset + length - start)) for part, offset, length, path in rows
              if not held_out(path) for start in range(offset, offset + length, SLICE)]  # fmt: skip
    order = np.random.default_rng(seed).permutation(len(slices))
    return b"".join(texts[slices[i][0]][slices[i][1] : slices[i][1] + slices[i][2]] for i in order)


def held_out_part(texts: dict[str, bytes], rows: list[tuple[str, int, int, str]], part: str) -> bytes:
    """A part's held-out documents, one after another."""
    return b"".join(texts[p][o : o + n] for p, o, n, path in rows if p == part and held_out(path))


def held_out_texts(texts: dict[str, bytes], rows: list[tuple[str, int, int, str]]) -> dict[str, np.ndarray]:
    """The first HELD_OUT_BYTES of each part's held-out documents."""
    return {
        part: np.frombuffer(held_out_part(texts, rows, part)[:HELD_OUT_BYTES], dtype=np.uint8).astype(np.int64)
        for part in PARTS
    }


@njit(cache=True)
def train(net, data):  # pragma: no cover
    """Code-time training over data; returns the bits the network would have spent."""
    bits = 0.0
    for t in range(data.size):
        counts = net.counts[0]
        bits += np.log2(counts[256] / (counts[data[t] + 1] - counts[data[t]]))
        lstm_next(net, data[t])
    return bits


@njit(cache=True)
def score(net, data):  # pragma: no cover
    """Bits of data under the network without learning (from a zero state)."""
    net.h[:] = 0
    net.c[:] = 0
    lstm_forward(net, 0, 0)
    bits = 0.0
    for t in range(data.size):
        counts = net.counts[0]
        bits += np.log2(counts[256] / (counts[data[t] + 1] - counts[data[t]]))
        lstm_forward(net, 0, data[t])
    return bits


def engine_network(arrays: dict[str, np.ndarray], window: int = 20) -> Lstm:
    """The engine's network with these weights (a checkpoint's or a prior's), before any learning."""
    layers, _, three_h = arrays["weights"].shape
    net = new_lstm(three_h // 3, layers, window, 1, 0.0, 0.0, 0.999, 10.0)
    for name in ("weights", "embed", "output"):
        getattr(net, name)[...] = arrays[name]
    net.weights_t[...] = net.weights.transpose(0, 2, 1)
    net.output_t[...] = net.output[: layers * three_h // 3].T
    return net


def provenance(checkpoint: dict[str, np.ndarray]) -> str:
    """How a checkpoint was made: its trainer's command (train_torch.py's, with what its --init was made
    by before it) or train.py's defaults, and the bytes that command trained on."""
    trainer = checkpoint["trainer"].tobytes().decode() if "trainer" in checkpoint else "prior/train.py (defaults)"
    return f"{trainer} ({int(checkpoint['position']):,} bytes)"


def copy(net: Lstm) -> Lstm:
    return Lstm(*(np.copy(a) for a in net))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--window", type=int, default=20)
    ap.add_argument("--lr", type=float, default=0.02)
    ap.add_argument("--final", type=float, default=0.0005)
    ap.add_argument("--beta2", type=float, default=0.999)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--every", type=int, default=2 << 20, help="bytes between checkpoints")
    ap.add_argument("--out", type=Path, default=HERE / "checkpoints")
    args = ap.parse_args()
    texts, rows = documents()
    stream = training_stream(texts, rows, args.seed)
    evals = held_out_texts(texts, rows)
    net = new_lstm(args.hidden, args.layers, args.window, args.seed, args.lr, args.final, args.beta2, 10.0)
    lstm_forward(net, 0, 0)
    position = 0
    args.out.mkdir(parents=True, exist_ok=True)
    latest = args.out / "latest.npz"
    if latest.exists():
        saved = np.load(latest)
        for name, array in zip(Lstm._fields, net, strict=True):
            if name in saved:  # scratch arrays of another version may be missing or extra
                array[...] = saved[name]
        position = int(saved["position"])
        print(f"resumed at {position:,} of {len(stream):,}", flush=True)
    log = HERE / "train-log.tsv"
    if not log.exists():
        log.write_text("trained_bytes\ttrain_bpb\t" + "\t".join(f"{p}_bpb" for p in PARTS) + "\tseconds\n")
    deadline = time.time() + args.hours * 3600
    while position < len(stream) and time.time() < deadline:
        start = time.time()
        chunk = np.frombuffer(stream[position : position + args.every], dtype=np.uint8).astype(np.int64)
        bits = train(net, chunk)
        position += chunk.size
        scores = [score(copy(net), evals[p]) / evals[p].size for p in PARTS]
        np.savez(args.out / "next.npz", position=position, **net._asdict())
        (args.out / "next.npz").replace(latest)
        shutil.copyfile(latest, args.out / f"at-{position >> 20:04d}M.npz")  # for averaging (export.py)
        with log.open("a") as f:
            f.write(f"{position}\t{bits / chunk.size:.4f}\t" + "\t".join(f"{s:.4f}" for s in scores)
                    + f"\t{time.time() - start:.0f}\n")  # fmt: skip
        print(position, f"{bits / chunk.size:.4f}", [f"{s:.3f}" for s in scores], flush=True)


if __name__ == "__main__":
    main()
