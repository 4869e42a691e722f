"""Frames: compress one block into a frame, decode one frame.

Torch loads here only when a frame needs the model: stored, empty and corrupt frames, and the
alphabet that `rnnzip -l` reads, are handled without it.
"""

from __future__ import annotations

import contextlib
import io
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np

from .contract import NETWORKS, ModelConfig, validate
from .errors import BadRnnzipFile, require_torch
from .format import MODEL, STORED, FrameHeader, pack_header, read_header
from .streams import Layout, Predictor

Progress = Callable[[int], None]


def compress_block(data: bytes, cfg: ModelConfig, device: str = "cpu", progress: Progress | None = None) -> bytes:
    """One frame: the model's coding of `data`, or the data stored when that would be larger."""
    crc = zlib.crc32(data)
    stored = pack_header(FrameHeader(STORED, len(data), crc), data) + data
    if not data:
        return stored
    networked = NETWORKS[cfg.network].torch
    if networked or not cfg.cm_bits:
        require_torch(f"the {cfg.network} network")
    # the bitwise engine alone codes serially; a network needs streams to run fast
    layout = Layout.of(len(data), cfg.batch_size or (auto_batch_size(len(data)) if networked else 1))
    environment = None
    if networked:
        from .numerics import current_environment, resolve_device

        device = resolve_device(device)  # "auto" becomes the device the frame records
        environment = current_environment(device)
    prior_id = 0
    if cfg.prior:
        from .prior import require_prior

        prior_id = require_prior()
    config = validate(cfg.with_overrides(batch_size=layout.batch))
    draft = FrameHeader(MODEL, len(data), crc, config, environment, prior_id=prior_id)
    # Code with the header as the decoder will read it back, so no parameter can differ by a bit.
    header = read_header(io.BytesIO(pack_header(draft)))
    assert header is not None and header.config is not None
    if header.config.cm_bits:
        payload = _encode_bitwise(data, header.config, layout, device, progress)
    else:
        from .bytelevel.frames import encode as encode_byte_level

        payload = encode_byte_level(data, header.config, layout, device, progress)
    if payload is None:
        return stored
    frame = pack_header(replace(header, payload_length=len(payload)), payload) + payload
    return frame if len(frame) < len(stored) else stored


def _encode_bitwise(data: bytes, cfg: ModelConfig, layout: Layout, device: str, progress: Progress | None
                    ) -> bytes | None:  # fmt: skip
    from .bitwise.model import encode

    with _network(cfg, layout, device) as network:
        return encode(data, cfg, layout, network, progress)


@contextlib.contextmanager
def _network(cfg: ModelConfig, layout: Layout, device: str) -> Iterator[Predictor | None]:
    """The bitwise engine's network over all 256 byte values, if cfg has one."""
    if not NETWORKS[cfg.network].torch:
        yield None
        return
    from .numerics import coding_threads
    from .online import make_predictor

    with coding_threads():
        predictor = make_predictor(cfg, np.arange(256, dtype=np.uint8), layout.steps, device)
        try:
            yield predictor
        finally:
            predictor.close()


def decompress_frame(
    header: FrameHeader, payload: bytes, device: str = "auto", progress: Progress | None = None
) -> bytes:
    """The original bytes of one frame, verified against its checksum."""
    if header.method == STORED:
        data = payload
        if progress is not None:
            progress(len(data))
    else:
        data = _decode_model_frame(header, payload, device, progress)
    if zlib.crc32(data) != header.crc32:
        raise BadRnnzipFile("corrupt data (checksum mismatch)")
    return data


def _decode_model_frame(header: FrameHeader, payload: bytes, device: str, progress: Progress | None) -> bytes:
    assert header.config is not None
    if header.environment is not None or not header.config.cm_bits:
        require_torch(f"a frame made with the {header.config.network} network")
    if header.environment is not None:
        from .numerics import require

        device = require(header.environment, device)
    if header.prior_id:
        from .prior import check_prior

        check_prior(header.prior_id)
    layout = Layout.of(header.length, header.config.batch_size)
    if layout.batch != header.config.batch_size:
        raise BadRnnzipFile("corrupt header: batch size inconsistent with the length")
    if header.config.cm_bits:
        from .bitwise.model import decode

        with _network(header.config, layout, device) as network:
            return decode(payload, header.config, layout, network, progress)
    from .bytelevel.frames import decode as decode_byte_level

    return decode_byte_level(header, payload, layout, device, progress)


def auto_batch_size(length: int) -> int:
    """Streams for an input of `length` bytes: fewer streams learn faster (the network sees
    longer streams), more streams run faster. One per 12,500 bytes up to 8 (enwik5: 8), then one
    per 62,500 bytes up to 32 (enwik6: 16), at least 4. Measured: alice29 37,681 bytes at 12
    streams and 37,585 at 8; enwik6 235,959 at 32 and 234,259 at 16."""
    return max(4, min(8, length // 12_500), min(32, length // 62_500))
