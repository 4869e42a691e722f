"""The prior: the engine's network pretrained on ../shared/prior-corpus (prior/train.py), shipped in
the package as data/prior.npz (prior/export.py: int16 weights with float32 scales, float32 second
moments, the recipe). Frames that start from it record its id, the first 4 bytes of the file's
SHA-256; another installation's prior cannot decode them and says so.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import resources
from typing import Any

import numpy as np

from .errors import BadRnnzipFile, RnnzipError


def _path() -> Any:
    return resources.files("rnnzip") / "data" / "prior.npz"


@functools.cache
def prior_id() -> int:
    """This installation's prior's id (0: none installed)."""
    path = _path()
    if not path.is_file():
        return 0
    return int.from_bytes(hashlib.sha256(path.read_bytes()).digest()[:4], "big") or 1


@functools.cache
def _arrays() -> dict[str, np.ndarray]:
    with resources.as_file(_path()) as path, np.load(path) as saved:
        return {name: saved[name] for name in saved.files}


def recipe() -> dict[str, Any]:
    """What the prior is and how it was made (architecture, training bytes, corpus hash, held-out bits per byte)."""
    return dict(json.loads(_arrays()["recipe"].tobytes()))


def require_prior() -> int:
    """The installed prior's id, for a frame that starts from it."""
    if not prior_id():
        raise RnnzipError("this installation of rnnzip has no prior (data/prior.npz): use --no-prior")
    return prior_id()


def check_prior(wanted: int) -> None:
    """Refuse a frame made with another prior than this installation's."""
    if wanted != prior_id():
        have = f"{prior_id():08x}" if prior_id() else "none"
        raise BadRnnzipFile(
            f"made with prior {wanted:08x}; this rnnzip's prior is {have} (decode with the rnnzip that made it)"
        )


@functools.cache
def weights(hidden: int, layers: int) -> dict[str, np.ndarray]:
    """The prior's float32 weights and second moments, for a network of `layers` x `hidden` cells
    (dequantised once per process: every frame copies them into its own network)."""
    shape = recipe()["architecture"]
    if (shape["hidden_size"], shape["num_layers"]) != (hidden, layers):
        raise BadRnnzipFile(f"corrupt header: the prior is {shape['num_layers']} x {shape['hidden_size']} cells")
    a = _arrays()
    out = {f"rms_{name}": a[f"rms_{name}"] for name in ("weights", "embed", "output")}
    out["weights"] = a["weights"].astype(np.float32) * a["weights_scale"][:, None, :]
    out["embed"] = a["embed"].astype(np.float32) * a["embed_scale"][:, :, None]
    out["output"] = a["output"].astype(np.float32) * a["output_scale"][None, :]
    return out
