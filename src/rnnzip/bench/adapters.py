"""Codec adapters: a name -> (compress, decompress) pair.

This file runs inside the measuring worker, which is started as a plain script so that classical
codecs are measured without torch loaded; rnnzip is imported only for rnnzip codecs.
"""

from __future__ import annotations

import bz2
import gzip
import importlib
import lzma
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

Transform = Callable[[bytes], bytes]


@dataclass(frozen=True)
class Codec:
    name: str
    compress: Transform
    decompress: Transform


def _zstd() -> Codec:
    import zstandard

    return Codec(
        "zstd -19", zstandard.ZstdCompressor(level=19).compress, lambda d: zstandard.ZstdDecompressor().decompress(d)
    )


def _brotli() -> Codec:
    import brotli

    return Codec("brotli -q 11 -w 24", lambda d: brotli.compress(d, quality=11, lgwin=24), brotli.decompress)


def _ppmd(order: int, mem_mb: int) -> Codec:
    import pyppmd

    return Codec(
        f"PPMd o{order}",
        lambda d: pyppmd.compress(d, max_order=order, mem_size=mem_mb << 20),
        lambda d: cast(bytes, pyppmd.decompress(d, max_order=order, mem_size=mem_mb << 20)),  # bytes for bytes
    )


CLASSICAL: dict[str, Callable[[], Codec]] = {
    "gzip": lambda: Codec("gzip -9", lambda d: gzip.compress(d, 9, mtime=0), gzip.decompress),
    "bzip2": lambda: Codec("bzip2 -9", lambda d: bz2.compress(d, 9), bz2.decompress),
    "xz": lambda: Codec("xz -9e", lambda d: lzma.compress(d, preset=9 | lzma.PRESET_EXTREME), lzma.decompress),
    "zstd": _zstd,
    "brotli": _brotli,
    "ppmd6": lambda: _ppmd(6, 16),
    "ppmd8": lambda: _ppmd(8, 256),
}


def rnnzip_codec(preset: str, device: str) -> Codec:
    """`preset`: 'default', a level 1-9, or a preset name (network or seed-*), optionally with
    '@N' for frames of N MiB (e.g. '6@1')."""
    import rnnzip

    preset, _, frame_mib = preset.partition("@")
    if preset == "default":
        kwargs: dict = {}
    elif preset.isdigit():
        kwargs = {"level": int(preset)}
    else:
        kwargs = {"model": preset}
    label = "rnnzip" + ("" if preset == "default" else f" -{preset}" if preset.isdigit() else f" {preset}")
    if frame_mib:
        kwargs["block_size"] = int(frame_mib) << 20
        label += f" ({frame_mib} MiB frames)"
    return Codec(
        label, lambda d: rnnzip.compress(d, device=device, **kwargs), lambda d: rnnzip.decompress(d, device=device)
    )


def load(spec: str, device: str = "cpu") -> Codec:
    """A codec from its spec: a CLASSICAL key, 'rnnzip[:PRESET]', or 'python:MODULE:ATTR' (an
    importable Codec, for codecs outside this list)."""
    if spec in CLASSICAL:
        return CLASSICAL[spec]()
    if spec == "rnnzip" or spec.startswith("rnnzip:"):
        return rnnzip_codec(spec.partition(":")[2] or "default", device)
    if spec.startswith("python:"):
        _, module, attr = spec.split(":", 2)
        return getattr(importlib.import_module(module), attr)
    raise ValueError(f"unknown codec {spec!r}")
