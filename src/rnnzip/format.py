"""The frame format (docs/FORMAT.md): pack and parse frame headers, with limits and checksums.

A file is a sequence of frames; each frame codes one block of the input on its own. Every value
needed to decode is in the frame's header, little-endian; a header checksum catches corrupt fields
before anything is allocated.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .contract import (
    MAX_FRAME_LENGTH,
    MAX_THREADS,
    NETWORK_BY_ID,
    NETWORKS,
    PRESET_BY_ID,
    ModelConfig,
    parameters,
    preset_id,
    validate,
)
from .errors import BadRnnzipFile, RnnzipError

MAGIC = b"\x89RNZ"
# 2: word contexts, two-layer mixer, delayed updates; 3: compact header, coded alphabet;
# 4: the bitwise engine (cm_bits), frames without an environment; 5: the network's prior (prior,
# frozen_layers). A frame is written in the oldest version that can hold it (rnnzip 0.3 reads all but
# frames with a prior); versions 3 and 4 are still read.
VERSION = 5
READABLE_VERSIONS = (3, 4, 5)
STORED, MODEL = 0, 1
_MODEL_WITHOUT_ENVIRONMENT = 2  # the method byte of a model frame that computes with integers only
_CHUNK = 1 << 20  # input is read in chunks, so a lying length cannot allocate at once

# The explicit parameter block of a custom (non-preset) configuration: every hyperparameter
# with a wire code, in ModelConfig's field order (the network as its id). Since version 5 the prior's id
# (4 bytes; 0 without one) follows the batch size.


def _block(version: int) -> tuple[list[str], struct.Struct]:
    """The fields of a version's explicit parameter block, and its layout."""
    fields = [(f.name, param.wire) for f, param in parameters() if param.wire and param.since <= version]
    return [name for name, _ in fields], struct.Struct("<" + "".join(wire for _, wire in fields))


_BLOCKS = {version: _block(version) for version in READABLE_VERSIONS}
_ABSENT = {f.name: param.off for f, param in parameters() if param.since > min(READABLE_VERSIONS)}  # in older blocks
_ENV = struct.Struct("<BBBBH")  # torch major, minor, patch, capability | threads - 1 << 4, probe
# The longest header: magic, version, method, 5-byte length, crc, preset, block, batch, environment,
# payload length, check
MAX_HEADER_SIZE = len(MAGIC) + 2 + 5 + 4 + 1 + _BLOCKS[VERSION][1].size + 3 + 4 + _ENV.size + 5 + 2

# Codes stored in the header; new capabilities get new codes, old codes never change meaning.
CAPABILITIES = ["UNKNOWN", "DEFAULT", "AVX2", "AVX512", "ZVECTOR", "VSX", "SVE256", "CUDA"]


def device_of(capability: str) -> str:
    return "cuda" if capability == "CUDA" else "cpu"


@dataclass(frozen=True)
class Environment:
    """What must be identical on the decoding machine (numerics.py measures it)."""

    torch_version: tuple[int, int, int]
    capability: str
    device: str
    threads: int
    probe: int  # 16 bits of the crc32 of a reference computation's float bits

    def describe(self) -> str:
        version = ".".join(map(str, self.torch_version))
        return f"torch {version}, {self.device} {self.capability}, {self.threads} thread(s)"


@dataclass(frozen=True)
class FrameHeader:
    method: int  # STORED or MODEL
    length: int  # original bytes in this frame
    crc32: int  # of the original bytes
    config: ModelConfig | None = None  # MODEL: the resolved hyperparameters (batch_size > 0)
    environment: Environment | None = None  # MODEL with a network: what the decoder must reproduce
    payload_length: int = 0  # MODEL: bytes of range-coder output that follow
    prior_id: int = 0  # MODEL with config.prior: the id of the prior the network starts from (prior.py)

    @property
    def body_length(self) -> int:
        """Bytes that follow the header: the stored data or the model's payload."""
        return self.length if self.method == STORED else self.payload_length


def _uvarint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def pack_header(h: FrameHeader, body: bytes = b"") -> bytes:
    """The header of a frame whose body (stored data or payload) is `body`: its check covers
    the header and, since version 4, the body."""
    out = bytearray(MAGIC)
    method = _MODEL_WITHOUT_ENVIRONMENT if h.method == MODEL and h.environment is None else h.method
    version = _oldest_version(h.config) if h.method == MODEL and h.config is not None else VERSION - 1
    out += bytes([version, method]) + _uvarint(h.length) + struct.pack("<I", h.crc32)
    if h.method == MODEL:
        assert h.config is not None
        cfg = h.config
        pid = preset_id(cfg)
        out.append(pid)
        if pid == 0:
            names, block = _BLOCKS[version]
            out += block.pack(NETWORKS[cfg.network].id, *(getattr(cfg, name) for name in names[1:]))
        out += _uvarint(cfg.batch_size)
        if version >= 5:
            out += struct.pack("<I", h.prior_id)
        env = h.environment
        if env is not None:
            assert 1 <= env.threads <= MAX_THREADS and env.device == device_of(env.capability)
            out += _ENV.pack(*env.torch_version, CAPABILITIES.index(env.capability) | env.threads - 1 << 4, env.probe)
        out += _uvarint(h.payload_length)
    return bytes(out + _frame_check(out, body))


def _oldest_version(cfg: ModelConfig) -> int:
    """The oldest writable version whose header holds every parameter that cfg sets."""
    return max([VERSION - 1] + [param.since for f, param in parameters() if getattr(cfg, f.name) != param.off])


def _frame_check(header: bytes | bytearray, body: bytes = b"") -> bytes:
    """The low 16 bits of the CRC-32 of the header (as gzip's header CRC) and of the body: so a
    corrupt payload is refused before any model is built, whatever the frame's size."""
    return struct.pack("<H", zlib.crc32(body, zlib.crc32(header)) & 0xFFFF)


class _HeaderReader:
    """Reads header fields from a stream, keeping the bytes for the frame check."""

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


@dataclass(frozen=True)
class _Fields:
    """A frame header as read, before it is checked and interpreted."""

    version: int
    method: int
    length: int
    crc: int
    pid: int = 0
    config_block: bytes = b""
    batch: int = 0
    env_fields: tuple[int, ...] | None = None
    payload_length: int = 0
    seen: bytes = b""  # the header's bytes before its check
    check: bytes = b""
    prior_id: int = 0

    @property
    def body_length(self) -> int:
        return self.length if self.method == STORED else self.payload_length

    @property
    def size(self) -> int:
        """Bytes of the whole frame: header, check and body."""
        return len(self.seen) + len(self.check) + self.body_length

    def verify(self, body: bytes | None) -> None:
        """Version 3 checks the header alone (body None), later versions header and body."""
        if (self.version == 3) == (body is None) and self.check != _frame_check(self.seen, body or b""):
            raise BadRnnzipFile("corrupt frame (checksum mismatch)" if body else "corrupt header (checksum mismatch)")


def _read_fields(stream: BinaryIO) -> _Fields | None:
    """Read the next header's fields; None at a clean end of input."""
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
    if version not in READABLE_VERSIONS:
        readable = " and ".join(map(str, READABLE_VERSIONS))
        raise BadRnnzipFile(f"unsupported format version {version} (this rnnzip reads versions {readable})")
    length = r.uvarint(MAX_FRAME_LENGTH, "frame length")
    (crc,) = struct.unpack("<I", r.take(4))
    if method == STORED:
        seen = bytes(r.seen)
        return _Fields(version, method, length, crc, seen=seen, check=r.take(2))
    if method not in (MODEL, _MODEL_WITHOUT_ENVIRONMENT) or (method != MODEL and version < 4):
        raise BadRnnzipFile(f"corrupt header: unknown frame method {method}")
    pid = r.take(1)[0]
    config_block = r.take(_BLOCKS[version][1].size) if pid == 0 else b""
    batch = r.uvarint(1 << 16, "batch size")
    (prior_id,) = struct.unpack("<I", r.take(4)) if version >= 5 else (0,)
    env_fields = _ENV.unpack(r.take(_ENV.size)) if method == MODEL else None
    payload_length = r.uvarint(MAX_FRAME_LENGTH + 64, "payload length")
    seen = bytes(r.seen)
    check = r.take(2)
    return _Fields(
        version, method, length, crc, pid, config_block, batch, env_fields, payload_length, seen, check, prior_id
    )


def _interpret(f: _Fields) -> FrameHeader:
    """The header that checked fields describe, each field checked against its limits."""
    if f.method == STORED:
        return FrameHeader(STORED, f.length, f.crc)
    if f.pid == 0:
        names, block = _BLOCKS[f.version]
        values = block.unpack(f.config_block)
        if values[0] not in NETWORK_BY_ID:
            raise BadRnnzipFile(f"corrupt header: unknown network id {values[0]}")
        fields = _ABSENT | dict(zip(names, values, strict=True)) | {"network": NETWORK_BY_ID[values[0]]}
        config = ModelConfig(**fields, batch_size=f.batch)
    elif f.pid in PRESET_BY_ID:
        config = PRESET_BY_ID[f.pid].with_overrides(batch_size=f.batch)
    else:
        raise BadRnnzipFile(f"unknown preset id {f.pid} (written by a newer rnnzip?)")
    if any(getattr(config, fd.name) != param.off for fd, param in parameters() if param.since > f.version):
        raise BadRnnzipFile(f"unknown preset id {f.pid} in a version {f.version} frame")
    try:
        config = validate(config)
    except RnnzipError as e:
        raise BadRnnzipFile(f"corrupt header: {e}") from None
    if f.batch == 0:
        raise BadRnnzipFile("corrupt header: batch size 0")
    if bool(f.prior_id) != bool(config.prior):
        raise BadRnnzipFile("corrupt header: a prior's id is recorded exactly when the network starts from a prior")
    if (f.env_fields is not None) != NETWORKS[config.network].torch:
        raise BadRnnzipFile("corrupt header: an environment is recorded exactly when a PyTorch network runs")
    if f.env_fields is None:
        return FrameHeader(MODEL, f.length, f.crc, config, None, f.payload_length, f.prior_id)
    major, minor, patch, cap_threads, probe = f.env_fields
    if cap_threads & 0xF >= len(CAPABILITIES):
        raise BadRnnzipFile("corrupt header: unknown CPU capability code")
    capability = CAPABILITIES[cap_threads & 0xF]
    env = Environment((major, minor, patch), capability, device_of(capability), (cap_threads >> 4) + 1, probe)
    return FrameHeader(MODEL, f.length, f.crc, config, env, f.payload_length)


def read_frame(stream: BinaryIO) -> tuple[FrameHeader, bytes] | None:
    """The next frame's header and body, checked; None at a clean end of input."""
    fields = _read_fields(stream)
    if fields is None:
        return None
    fields.verify(None)
    body = stream.read(fields.body_length)
    if len(body) < fields.body_length:
        raise EOFError("compressed file ended inside a frame")
    fields.verify(body)
    return _interpret(fields), body


def read_header(stream: BinaryIO) -> FrameHeader | None:
    """The next frame's header (its body is read and checked too); None at the end of input."""
    frame = read_frame(stream)
    return None if frame is None else frame[0]


class FrameSplitter:
    """Cuts compressed bytes into frames as they arrive: the one place that finds frame
    boundaries (for iter_frames, the decompressor object and the file object).

    After at least one frame, bytes that do not begin with the magic end the rnnzip stream:
    they are kept as `unused_data`, as the standard library's decompressors keep what follows
    their stream. Bytes that are not rnnzip from the start raise BadRnnzipFile, as trailing data
    when `continues` (the bytes follow frames read by another splitter)."""

    def __init__(self, continues: bool = False) -> None:
        self._buffer = bytearray()
        self.frames = 0  # frames returned so far
        self.unused_data: bytes | None = None  # set once non-rnnzip bytes follow a frame
        self._continues = continues

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        if self.unused_data is not None:
            self.unused_data += bytes(data)
        else:
            self._buffer += data

    def next_frame(self) -> tuple[FrameHeader, bytes] | None:
        """The next complete frame's header and body, or None until more bytes arrive."""
        if self.unused_data is not None or not self._buffer:
            return None
        start = bytes(self._buffer[: len(MAGIC)])
        if self.frames and start != MAGIC[: len(start)]:
            self.unused_data = bytes(self._buffer)
            self._buffer.clear()
            return None
        if self._continues and start != MAGIC[: len(start)]:
            raise BadRnnzipFile("trailing data after the last frame is not in rnnzip format")
        try:
            fields = _read_fields(io.BytesIO(bytes(self._buffer[:MAX_HEADER_SIZE])))
        except EOFError:
            if len(self._buffer) >= MAX_HEADER_SIZE:
                raise BadRnnzipFile("corrupt header (too long)") from None
            return None  # the header is not complete yet
        assert fields is not None
        fields.verify(None)  # version 3: the header at once
        end = fields.size
        if len(self._buffer) < end:
            return None
        frame = read_frame(io.BytesIO(bytes(self._buffer[:end])))
        assert frame is not None
        header, body = frame
        del self._buffer[:end]
        self.frames += 1
        return header, body

    @property
    def buffered(self) -> int:
        """Bytes fed that are not yet in a frame."""
        return len(self._buffer)

    @property
    def at_frame_end(self) -> bool:
        """True when every byte so far belongs to complete frames (and unused_data)."""
        return self.frames > 0 and not self._buffer

    def close(self) -> None:
        """At the end of the input: EOFError if it ended inside a frame."""
        if self._buffer:
            raise EOFError("compressed file ended before the end of a frame")


class CountingReader:
    """A reader that counts the bytes read through it (a stream's compressed size)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw, self.count = raw, 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.count += len(data)
        return data


def iter_frames(stream: BinaryIO) -> Iterator[tuple[FrameHeader, bytes]]:
    """Each frame's header and body, read lazily in bounded chunks; nothing for an empty
    stream. Bytes after the last frame that are not a frame are an error here."""
    frames = FrameSplitter()
    while True:
        frame = frames.next_frame()
        if frame is not None:
            yield frame
            continue
        if frames.unused_data is not None:
            raise BadRnnzipFile("trailing data after the last frame is not in rnnzip format")
        chunk = stream.read(_CHUNK)
        if not chunk:
            frames.close()
            return
        frames.feed(chunk)
