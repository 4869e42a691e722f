"""The Python API, shaped like the standard library's gzip/lzma/bz2 modules.

The one-shot functions are thin layers over the frame streams of parallel.py (so they can use
worker processes); the incremental objects and the file object code frames in this process.
"""

from __future__ import annotations

import builtins
import io
import os
from typing import IO, Any, BinaryIO

from .codec import Progress, compress_block, decompress_frame, iter_frames
from .config import ModelConfig, validate
from .errors import RnnzipError
from .format import read_header
from .numerics import resolve_device
from .parallel import compress_stream, decompress_stream
from .presets import DEFAULT_LEVEL, PRESETS, level_preset

DEFAULT_BLOCK_SIZE = 1 << 20  # bytes per frame: 1 MiB keeps 2+ cores busy on a few MB (measured)
MAX_BLOCK_SIZE = 1 << 30


def make_config(level: int | None = None, model: str | None = None, **params: Any) -> ModelConfig:
    """The hyperparameters for a level (1-9) or a named preset, with overrides applied.

    `model` names a preset: a network (lstm, gru, lstm-att, gru-att), a reference preset
    (seed-gru-att, seed-lstm-att) or level-N; it takes precedence over `level`.
    """
    if model is not None:
        if model not in PRESETS:
            raise ValueError(f"unknown model {model!r}; choose from {', '.join(PRESETS)}")
        base = PRESETS[model]
    else:
        base = level_preset(DEFAULT_LEVEL if level is None else level)
    unknown = set(params) - set(ModelConfig.__dataclass_fields__)
    if unknown:
        raise TypeError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    try:
        return validate(base.with_overrides(**params))
    except RnnzipError as e:
        raise ValueError(str(e)) from None


def _check_block_size(block_size: int) -> None:
    if not 1 <= block_size <= MAX_BLOCK_SIZE:
        raise ValueError(f"block_size must be 1..{MAX_BLOCK_SIZE}")


class RnnzipCompressor:
    """Incremental compression: feed data with compress(), end with flush().

    Input is cut into blocks of `block_size` bytes, each coded as an independent frame.
    """

    def __init__(self, level: int | None = None, *, model: str | None = None, device: str = "cpu",
                 block_size: int = DEFAULT_BLOCK_SIZE, progress: Progress | None = None,
                 **params: Any) -> None:
        _check_block_size(block_size)
        self.config = make_config(level, model, **params)
        self.device = resolve_device(device)
        self.block_size, self.progress = block_size, progress
        self._pending = bytearray()
        self._frames = 0
        self._flushed = False

    def compress(self, data: bytes | bytearray | memoryview) -> bytes:
        """Compressed frames for every whole block buffered so far."""
        if self._flushed:
            raise ValueError("compressor already flushed")
        self._pending += data
        out = bytearray()
        while len(self._pending) >= self.block_size:
            out += self._frame(bytes(self._pending[: self.block_size]))
            del self._pending[: self.block_size]
        return bytes(out)

    def flush(self) -> bytes:
        """The last frame; empty input still gives one (empty) frame, as gzip does."""
        if self._flushed:
            raise ValueError("compressor already flushed")
        self._flushed = True
        if self._pending or not self._frames:
            return self._frame(bytes(self._pending))
        return b""

    def _frame(self, block: bytes) -> bytes:
        self._frames += 1
        return compress_block(block, self.config, self.device, self.progress)


class RnnzipDecompressor:
    """Incremental decompression: feed compressed bytes, get back every completed frame's data.
    Call finish() at the end of the input to detect truncation."""

    def __init__(self, device: str = "auto", progress: Progress | None = None) -> None:
        self.device, self.progress = device, progress
        self._pending = bytearray()

    def decompress(self, data: bytes | bytearray | memoryview) -> bytes:
        self._pending += data
        out = bytearray()
        while True:
            view = io.BytesIO(self._pending)
            try:
                header = read_header(view)
            except EOFError:
                return bytes(out)  # header incomplete: wait for more input
            if header is None:
                return bytes(out)
            size = header.length if header.method == 0 else header.payload_length
            start = view.tell()
            if len(self._pending) - start < size:
                return bytes(out)
            payload = bytes(self._pending[start : start + size])
            del self._pending[: start + size]
            out += decompress_frame(header, payload, self.device, self.progress)

    def finish(self) -> None:
        """Raise EOFError if the input ended inside a frame."""
        if self._pending:
            raise EOFError("compressed data ended before the end of a frame")


def compress(data: bytes | bytearray | memoryview, level: int | None = None, *, model: str | None = None,
             device: str = "cpu", block_size: int = DEFAULT_BLOCK_SIZE, threads: int = 1,
             **params: Any) -> bytes:
    """Compress `data`; `level` 1-9 (default 6) or `model` picks the preset, `params` override it.
    With threads > 1, blocks are coded by that many worker processes (same output)."""
    _check_block_size(block_size)
    config = make_config(level, model, **params)
    out = io.BytesIO()
    compress_stream(io.BytesIO(data), out, config, block_size, threads, resolve_device(device))
    return out.getvalue()


def decompress(data: bytes | bytearray | memoryview, *, device: str = "auto", threads: int = 1) -> bytes:
    """Decompress one or more concatenated rnnzip frames."""
    if not data:
        raise EOFError("compressed data is empty")
    out = io.BytesIO()
    decompress_stream(io.BytesIO(data), out, threads, device)
    return out.getvalue()


class _FrameReader(io.RawIOBase):
    """Raw reader that decodes frames on demand (wrapped in a BufferedReader)."""

    def __init__(self, fp: BinaryIO, device: str) -> None:
        self._frames = iter_frames(fp)
        self._device = device
        self._data = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._data:
            frame = next(self._frames, None)
            if frame is None:
                return 0
            self._data = memoryview(decompress_frame(*frame, device=self._device))
        n = min(len(b), len(self._data))
        b[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


class RnnzipFile(io.BufferedIOBase):
    """A binary file object over rnnzip data: mode 'rb', 'wb', 'xb' or 'ab'."""

    def __init__(self, filename: str | bytes | os.PathLike[Any] | BinaryIO, mode: str = "rb", *,
                 level: int | None = None, model: str | None = None, device: str | None = None,
                 block_size: int = DEFAULT_BLOCK_SIZE, **params: Any) -> None:
        mode = mode.replace("b", "")
        if mode not in ("r", "w", "x", "a"):
            raise ValueError(f"invalid mode {mode!r}")
        if isinstance(filename, (str, bytes, os.PathLike)):
            self._fp: BinaryIO = builtins.open(filename, mode + "b")
            self._owns = True
        elif hasattr(filename, "read") or hasattr(filename, "write"):
            self._fp, self._owns = filename, False
        else:
            raise TypeError("filename must be a str, bytes, PathLike or file object")
        self._mode = mode
        if mode == "r":
            self._reader = io.BufferedReader(_FrameReader(self._fp, device or "auto"))
        else:
            self._compressor = RnnzipCompressor(level, model=model, device=device or "cpu",
                                                block_size=block_size, **params)

    def readable(self) -> bool:
        return self._mode == "r"

    def writable(self) -> bool:
        return self._mode != "r"

    def read(self, size: int | None = -1) -> bytes:
        self._check("r")
        return self._reader.read(size)

    def read1(self, size: int = -1) -> bytes:
        self._check("r")
        return self._reader.read1(size)

    def readinto(self, b: Any) -> int:
        self._check("r")
        return self._reader.readinto(b)

    def peek(self, size: int = 0) -> bytes:
        self._check("r")
        return self._reader.peek(size)

    def write(self, data: Any) -> int:
        if self._mode == "r":
            raise io.UnsupportedOperation("file not open for writing")
        self._check(self._mode)
        view = memoryview(data).cast("B")
        self._fp.write(self._compressor.compress(view))
        return len(view)

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._mode != "r":
                self._fp.write(self._compressor.flush())
        finally:
            if self._owns:
                self._fp.close()
            super().close()

    def _check(self, mode: str) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        if (mode == "r") != (self._mode == "r"):
            raise io.UnsupportedOperation(f"file not open for {'reading' if mode == 'r' else 'writing'}")


def open(filename: str | bytes | os.PathLike[Any] | BinaryIO, mode: str = "rb", *,
         encoding: str | None = None, errors: str | None = None, newline: str | None = None,
         **kwargs: Any) -> RnnzipFile | IO[str]:
    """Open an rnnzip file in binary ('rb', 'wb', 'xb', 'ab') or text ('rt', 'wt', ...) mode."""
    if "t" in mode:
        if "b" in mode:
            raise ValueError(f"invalid mode {mode!r}")
        binary = RnnzipFile(filename, mode.replace("t", ""), **kwargs)
        return io.TextIOWrapper(binary, encoding, errors, newline)
    if encoding is not None or errors is not None or newline is not None:
        raise ValueError("encoding, errors and newline are for text mode only")
    return RnnzipFile(filename, mode, **kwargs)
