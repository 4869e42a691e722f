"""The frame format (docs/FORMAT.md): pack and parse frame headers, with limits and checksums.

A file is a sequence of frames; each frame codes one block of the input on its own. Every value
needed to decode is in the frame's header, little-endian; a header checksum catches corrupt fields
before anything is allocated.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from .config import ModelConfig, validate
from .errors import BadRnnzipFile, RnnzipError
from .models import NETWORK_BY_ID, NETWORKS
from .numerics import CAPABILITIES, Environment, device_of
from .presets import PRESET_BY_ID, preset_id

MAGIC = b"\x89RNZ"
VERSION = 3  # 2: word contexts, two-layer mixer, delayed updates; 3: compact header, coded alphabet
STORED, MODEL = 0, 1
MAX_FRAME_LENGTH = 1 << 30  # original bytes in one frame
_CHUNK = 1 << 20  # payloads are read in chunks, so a lying length cannot allocate at once

# The explicit hyperparameter block of a custom (non-preset) configuration.
_CONFIG = struct.Struct("<BIHHBHHdddddBBB")
_ENV = struct.Struct("<BBBBH")  # torch major, minor, patch, capability | threads - 1 << 4, probe
_MAX_THREADS = 16


@dataclass(frozen=True)
class FrameHeader:
    method: int                        # STORED or MODEL
    length: int                        # original bytes in this frame
    crc32: int                         # of the original bytes
    config: ModelConfig | None = None  # MODEL: the resolved hyperparameters (batch_size > 0)
    environment: Environment | None = None  # MODEL: what the decoder must reproduce
    payload_length: int = 0            # MODEL: bytes of range-coder output that follow


def _uvarint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def pack_header(h: FrameHeader) -> bytes:
    out = bytearray(MAGIC)
    out += bytes([VERSION, h.method]) + _uvarint(h.length) + struct.pack("<I", h.crc32)
    if h.method == MODEL:
        assert h.config is not None and h.environment is not None
        cfg = h.config
        pid = preset_id(cfg)
        out.append(pid)
        if pid == 0:
            out += _CONFIG.pack(
                NETWORKS[cfg.network].id, cfg.seed, cfg.seq_length, cfg.hidden_size, cfg.num_layers,
                cfg.embed_size, cfg.attention_window, cfg.learning_rate, cfg.final_learning_rate,
                cfg.beta1, cfg.beta2, cfg.clip, cfg.context_order, cfg.table_bits, cfg.match_min,
            )
        env = h.environment
        assert 1 <= env.threads <= _MAX_THREADS and env.device == device_of(env.capability)
        out += _uvarint(cfg.batch_size)
        out += _ENV.pack(*env.torch_version, CAPABILITIES.index(env.capability) | env.threads - 1 << 4,
                         env.probe)
        out += _uvarint(h.payload_length)
    out += _header_check(out)
    return bytes(out)


def _header_check(header: bytes) -> bytes:
    """The low 16 bits of the header's CRC-32, as gzip's header CRC."""
    return struct.pack("<H", zlib.crc32(header) & 0xFFFF)


class _HeaderReader:
    """Reads header fields from a stream, keeping the bytes for the header checksum."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream, self.seen = stream, bytearray()

    def take(self, n: int) -> bytes:
        data = self.stream.read(n)
        self.seen += data
        if len(data) < n:
            raise EOFError("compressed file ended before the end of a frame header")
        return data

    def uvarint(self, limit: int, what: str) -> int:
        value = shift = 0
        while True:
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << shift
            shift += 7
            if value > limit or shift > 63:
                raise BadRnnzipFile(f"corrupt header: {what} exceeds {limit:,}")
            if not byte & 0x80:
                return value


def read_header(stream: BinaryIO) -> FrameHeader | None:
    """Parse the next frame header; None at a clean end of input."""
    r = _HeaderReader(stream)
    first = stream.read(len(MAGIC))
    if not first:
        return None
    r.seen += first
    if first != MAGIC[: len(first)]:
        raise BadRnnzipFile("not in rnnzip format (bad magic)")
    if len(first) < len(MAGIC):
        raise EOFError("compressed file ended before the end of a frame header")
    version, method = r.take(2)
    if version != VERSION:
        raise BadRnnzipFile(f"unsupported format version {version} (this rnnzip reads version {VERSION})")
    length = r.uvarint(MAX_FRAME_LENGTH, "frame length")
    (crc,) = struct.unpack("<I", r.take(4))
    if method == STORED:
        _check_header_crc(r)
        return FrameHeader(STORED, length, crc)
    if method != MODEL:
        raise BadRnnzipFile(f"corrupt header: unknown frame method {method}")
    pid = r.take(1)[0]
    config_block = r.take(_CONFIG.size) if pid == 0 else b""
    batch = r.uvarint(1 << 16, "batch size")
    env_fields = _ENV.unpack(r.take(_ENV.size))
    payload_length = r.uvarint(MAX_FRAME_LENGTH + 64, "payload length")
    _check_header_crc(r)  # only now are the fields trusted enough to interpret

    if pid == 0:
        values = _CONFIG.unpack(config_block)
        if values[0] not in NETWORK_BY_ID:
            raise BadRnnzipFile(f"corrupt header: unknown network id {values[0]}")
        names = ["seed", "seq_length", "hidden_size", "num_layers", "embed_size", "attention_window",
                 "learning_rate", "final_learning_rate", "beta1", "beta2", "clip", "context_order",
                 "table_bits", "match_min"]
        config = ModelConfig(network=NETWORK_BY_ID[values[0]], **dict(zip(names, values[1:])))
    elif pid in PRESET_BY_ID:
        config = PRESET_BY_ID[pid]
    else:
        raise BadRnnzipFile(f"unknown preset id {pid} (written by a newer rnnzip?)")
    try:
        config = validate(config.with_overrides(batch_size=batch))
    except RnnzipError as e:
        raise BadRnnzipFile(f"corrupt header: {e}") from None
    if batch == 0:
        raise BadRnnzipFile("corrupt header: batch size 0")
    major, minor, patch, cap_threads, probe = env_fields
    if cap_threads & 0xF >= len(CAPABILITIES):
        raise BadRnnzipFile("corrupt header: unknown CPU capability code")
    capability = CAPABILITIES[cap_threads & 0xF]
    env = Environment((major, minor, patch), capability, device_of(capability), (cap_threads >> 4) + 1, probe)
    return FrameHeader(MODEL, length, crc, config, env, payload_length)


def _check_header_crc(r: _HeaderReader) -> None:
    expected = _header_check(r.seen)
    if r.take(len(expected)) != expected:
        raise BadRnnzipFile("corrupt header (header checksum mismatch)")


def read_exact(stream: BinaryIO, n: int, what: str) -> bytes:
    """Read n bytes in bounded chunks; EOFError if the input ends first."""
    buf = io.BytesIO()
    while buf.tell() < n:
        chunk = stream.read(min(_CHUNK, n - buf.tell()))
        if not chunk:
            raise EOFError(f"compressed file ended inside a frame's {what}")
        buf.write(chunk)
    return buf.getvalue()

