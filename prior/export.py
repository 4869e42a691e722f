"""Quantise a training checkpoint, or the average of the last few (their weights and second moments
averaged: steadier than any one of them), into the prior the package ships (src/rnnzip/data/prior.npz):
weights, byte rows and softmax as int16 with one float32 scale per output column (per byte row for
the byte rows), Adam's second moments as float32, the architecture and the recipe. The decoder
dequantises with one float32 multiply per weight, the same bits on every machine.

    python prior/export.py prior/checkpoints/latest.npz
    python prior/export.py prior/checkpoints/at-005[0-8]M.npz
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import train  # prior/train.py: the corpus and its held-out text

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "rnnzip" / "data" / "prior.npz"


def quantise(a: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """int16 values and float32 scales along `axis` (the scale of a slice: its largest |value| / 32767)."""
    top = np.max(np.abs(a), axis=axis, keepdims=True).astype(np.float32)
    scale = np.where(top > 0, top / np.float32(32767), np.float32(1)).astype(np.float32)
    q = np.clip(np.rint(a / scale), -32767, 32767).astype(np.int16)
    return q, np.squeeze(scale, axis=axis)


def average(paths: list[Path]) -> dict[str, np.ndarray]:
    """The checkpoints' weights and second moments averaged; the rest as in the last one."""
    loaded = [dict(np.load(path)) for path in sorted(paths)]
    out = dict(loaded[-1])
    for name in ("weights", "embed", "output", "rms_weights", "rms_embed", "rms_output"):
        out[name] = np.mean([c[name].astype(np.float64) for c in loaded], axis=0).astype(np.float32)
    return out


def held_out_bits(saved: dict[str, np.ndarray]) -> dict[str, float]:
    """Bits per byte of the exported network on train.py's held-out text, per part."""
    texts, rows = train.documents()
    evals = train.held_out_texts(texts, rows)
    return {part: round(train.score(train.engine_network(saved), data) / data.size, 4) for part, data in evals.items()}


def corpus_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(train.CORPUS.glob("*")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoints", type=Path, nargs="+")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    saved = average(args.checkpoints)
    layers, hidden = saved["h"].shape
    arrays = {}
    for name, axis in (("weights", 1), ("embed", 2), ("output", 0)):
        arrays[name], arrays[f"{name}_scale"] = quantise(saved[name], axis)
        arrays[f"rms_{name}"] = saved[f"rms_{name}"].astype(np.float32)
    recipe = {
        "architecture": {
            "cell": "cifg",
            "hidden_size": int(hidden),
            "num_layers": int(layers),
            "window": int(saved["counters"][2]),
        },
        "trained_bytes": int(saved["position"]),
        "averaged_checkpoints": [path.name for path in sorted(args.checkpoints)],
        "corpus": "../shared/prior-corpus (en, ru, code, markup), held out: documents whose path's SHA-256 "
        "starts with a byte = 0 mod 40",
        "corpus_sha256": corpus_digest(),
        "script": train.provenance(saved) + "; then prior/export.py",
        "held_out_bpb": held_out_bits(saved),
    }
    arrays["recipe"] = np.frombuffer(json.dumps(recipe, sort_keys=True).encode(), dtype=np.uint8)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(f"{args.out}: {args.out.stat().st_size:,} bytes", json.dumps(recipe, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
