"""The byte-level engine of format 3 (rnnzip 0.1): a network's distribution over the frame's
alphabet (optionally mixed with the hybrid's count models), range-coded with constriction one
step of all streams at a time. Its frames start with the alphabet."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..contract import ModelConfig
from ..errors import BadRnnzipFile
from ..format import FrameHeader
from ..numerics import coding_threads
from ..online import make_predictor
from ..streams import Layout
from .alphabet import code_alphabet
from .loop import run
from .range_coder import Decoder, Encoder

Progress = Callable[[int], None]


def encode(data: bytes, cfg: ModelConfig, layout: Layout, device: str, progress: Progress | None) -> bytes:
    """The alphabet, then every symbol, range-coded with the network's (or hybrid's) distributions."""
    raw = np.frombuffer(data, dtype=np.uint8)
    encoder = Encoder()
    alphabet = code_alphabet(encoder.code, np.unique(raw))
    if len(alphabet) > 1:  # a single symbol needs no more coding
        rows = layout.to_steps(np.searchsorted(alphabet, raw).astype(np.int32))
        with coding_threads():
            predictor = make_predictor(cfg, alphabet, layout.steps, device)
            run(predictor, encoder.code, layout, rows, progress)
    return encoder.finish()


def decode(header: FrameHeader, payload: bytes, layout: Layout, device: str, progress: Progress | None) -> bytes:
    assert header.config is not None
    decoder = Decoder(payload)
    try:
        alphabet = code_alphabet(decoder.code)
        if not len(alphabet):
            raise ValueError("empty alphabet")
        if len(alphabet) == 1:  # a single symbol needs no more coding
            if progress is not None:
                progress(header.length)
            return alphabet.tobytes() * header.length
        rows = np.zeros((layout.steps, layout.batch), dtype=np.int32)
        with coding_threads():
            predictor = make_predictor(header.config, alphabet, layout.steps, device)
            run(predictor, decoder.code, layout, rows, progress)
    except (ValueError, RuntimeError) as e:  # the range decoder rejects corrupt data
        raise BadRnnzipFile(f"corrupt payload ({e})") from None
    return alphabet[layout.from_steps(rows)].tobytes()
