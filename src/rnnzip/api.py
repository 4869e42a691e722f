"""The Python API, shaped like the standard library's gzip/lzma/bz2 modules.

The one-shot functions are thin layers over the frame streams of parallel.py (so they can use
worker processes); the incremental objects and the file object code frames in this process.
"""

from __future__ import annotations

import _compression
import builtins
import contextlib
import io
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, cast, overload

from .contract import DEFAULT_LEVEL, MAX_FRAME_LENGTH, PRESETS, ModelConfig, level_preset, validate, without_prior
from .errors import RnnzipError
from .format import FrameHeader, FrameSplitter

if TYPE_CHECKING:
    from distributed import Client

    from .frames import Progress

# bytes per frame: frames restart learning, and the bitwise engine gains from long ones (measured
# on 5 MB of corpus text at level 3: 1,076,402 bytes as one frame, 1,107,691 in 1 MiB frames);
# larger inputs are split for -T workers
DEFAULT_BLOCK_SIZE = 16 << 20
DEVICES = ("cpu", "cuda", "auto")
SUFFIX = ".rnz"  # of compressed files


def make_config(level: int | None = None, model: str | None = None, use_prior: bool = True, **params: Any
                ) -> ModelConfig:  # fmt: skip
    """The hyperparameters for a level (1-9) or a named preset, with overrides applied.

    `model` names a preset: a network (lstm, gru, lstm-att, gru-att), a reference preset
    (seed-gru-att, seed-lstm-att) or level-N; it takes precedence over `level`. use_prior=False:
    the level without the prior (levels 6-9 start their network from it), as `--no-prior`.
    """
    if model is not None:
        if model not in PRESETS:
            raise ValueError(f"unknown model {model!r}; choose from {', '.join(PRESETS)}")
        base = PRESETS[model if use_prior else without_prior(model)]
    else:
        if level is not None and (not isinstance(level, int) or isinstance(level, bool)):
            raise TypeError(f"level must be an int 1..9, not {type(level).__name__} {level!r}")
        base = level_preset(DEFAULT_LEVEL if level is None else level, use_prior)
    unknown = set(params) - set(ModelConfig.__dataclass_fields__)
    if unknown:
        raise TypeError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    try:
        return validate(base.with_overrides(**params))
    except RnnzipError as e:
        raise ValueError(str(e)) from None


def _check_device(device: str) -> str:
    if device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, not {device!r}")
    return device


def _check_data(data: Any) -> memoryview:
    """data as bytes (a bytes-like object: bytes, bytearray, memoryview, array, ...)."""
    try:
        return memoryview(data)
    except TypeError:
        raise TypeError(f"a bytes-like object is required, not {type(data).__name__}") from None


def _check_count(name: str, value: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 1 <= value <= high:
        raise ValueError(f"{name} must be 1..{high:,}, not {value:,}")
    return value


class RnnzipCompressor:
    """Incremental compression: feed data with compress(), end with flush().

    Input is cut into blocks of `block_size` bytes, each coded as an independent frame.
    """

    def __init__(
        self,
        level: int | None = None,
        *,
        model: str | None = None,
        device: str = "cpu",
        block_size: int = DEFAULT_BLOCK_SIZE,
        progress: Progress | None = None,
        **params: Any,
    ) -> None:
        self.block_size = _check_count("block_size", block_size, MAX_FRAME_LENGTH)
        self.config = make_config(level, model, **params)
        self.device = _check_device(device)
        self.progress = progress
        self._pending = bytearray()
        self._frames = 0
        self._flushed = False

    def compress(self, data: bytes | bytearray | memoryview) -> bytes:
        """Compressed frames for every whole block buffered so far."""
        if self._flushed:
            raise ValueError("compressor already flushed")
        self._pending += _check_data(data)
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
        from .frames import compress_block  # loads torch

        self._frames += 1
        return compress_block(block, self.config, self.device, self.progress)


class RnnzipDecompressor:
    """Incremental decompression, shaped like lzma.LZMADecompressor.

    A stream of rnnzip frames has no end marker (files concatenate), so `eof` is True whenever
    the input so far ends exactly after a frame; check it at the end of the input to detect
    truncation. Bytes that follow a frame and are not a frame end the stream: they are kept in
    `unused_data`, and more input raises EOFError.
    """

    def __init__(self, device: str = "auto", progress: Progress | None = None, *, continues: bool = False) -> None:
        """continues: the data follows frames decoded elsewhere (bytes that are not a frame are
        then trailing data)."""
        self.device, self.progress = _check_device(device), progress
        self._frames = FrameSplitter(continues)
        self._output = bytearray()  # decoded, not yet returned (max_length)
        self._ready: tuple[FrameHeader, bytes] | None = None  # a complete frame not yet decoded

    def decompress(self, data: bytes | bytearray | memoryview, max_length: int = -1) -> bytes:
        """The data of the frames completed so far: at most max_length bytes if it is >= 0;
        the rest is kept for the next call (then `needs_input` is False)."""
        data = _check_data(data)
        if self._frames.unused_data is not None and data.nbytes:
            raise EOFError("already at the end of the rnnzip stream")
        self._frames.feed(data)
        while max_length < 0 or len(self._output) < max_length:
            frame, self._ready = self._ready or self._frames.next_frame(), None
            if frame is None:
                break
            from .frames import decompress_frame  # loads torch for model frames

            header, payload = frame
            self._output += decompress_frame(header, payload, self.device, self.progress)
        if self._ready is None:  # a whole frame may wait behind max_length: needs_input tells
            self._ready = self._frames.next_frame()
        size = len(self._output) if max_length < 0 else min(max_length, len(self._output))
        out = bytes(self._output[:size])
        del self._output[:size]
        return out

    @property
    def eof(self) -> bool:
        """True when the input so far is whole frames (and unused_data) and all is returned."""
        return self._frames.at_frame_end and self._ready is None and not self._output

    @property
    def unused_data(self) -> bytes:
        return self._frames.unused_data or b""

    @property
    def needs_input(self) -> bool:
        """False when decompress() can return more data without more input."""
        return self._ready is None and not self._output and self._frames.unused_data is None


def compress(
    data: bytes | bytearray | memoryview,
    level: int | None = None,
    *,
    model: str | None = None,
    device: str = "cpu",
    block_size: int = DEFAULT_BLOCK_SIZE,
    threads: int = 1,
    **params: Any,
) -> bytes:
    """Compress `data`; `level` 1-9 (default 6) or `model` picks the preset, `params` override it.
    With threads > 1, blocks are coded by that many worker processes (same output)."""
    view = _check_data(data)
    _check_count("block_size", block_size, MAX_FRAME_LENGTH)
    _check_count("threads", threads, 1024)
    config = make_config(level, model, **params)
    _check_device(device)
    from .parallel import compress_stream

    out = io.BytesIO()
    compress_stream(io.BytesIO(view), out, config, block_size, threads, device)
    return out.getvalue()


def decompress(data: bytes | bytearray | memoryview, *, device: str = "auto", threads: int = 1) -> bytes:
    """Decompress one or more concatenated rnnzip frames (bytes after them are an error)."""
    view = _check_data(data)
    _check_device(device)
    _check_count("threads", threads, 1024)
    if not view.nbytes:
        raise EOFError("compressed data is empty")
    from .parallel import decompress_stream

    out = io.BytesIO()
    decompress_stream(io.BytesIO(view), out, threads, device)
    return out.getvalue()


def compress_file(
    src: str | os.PathLike[str], dst: str | os.PathLike[str], level: int | None = None, **options: Any
) -> tuple[int, int]:
    """Compress the file src into dst, with compress_files' options: on `threads` worker processes
    or a Dask cluster (client: a distributed.Client, e.g. rnnzip.cluster.connect(address)); the
    same bytes either way. dst appears only when all went well. Returns (bytes read, bytes written)."""
    return compress_files([src], [dst], level, **options)[0]


def decompress_file(
    src: str | os.PathLike[str], dst: str | os.PathLike[str], *, device: str = "auto", threads: int = 1,
    client: Client | None = None,
) -> tuple[int, int]:  # fmt: skip
    """Decompress the file src into dst (as compress_file); returns (bytes read, bytes written)."""
    _check_device(device)
    _check_count("threads", threads, 1024)
    from .files import atomic_output
    from .parallel import decompress_stream

    with builtins.open(src, "rb") as f, atomic_output(os.fspath(dst)) as out:
        return decompress_stream(f, out, threads, device, client=client)


def compress_files(
    sources: list[str | os.PathLike[str]],
    targets: list[str | os.PathLike[str]] | None = None,
    level: int | None = None,
    *,
    model: str | None = None,
    device: str = "cpu",
    block_size: int = DEFAULT_BLOCK_SIZE,
    threads: int = 1,
    client: Client | None = None,
    **params: Any,
) -> list[tuple[int, int]]:
    """Compress many files (into targets, or each beside itself with .rnz), their frames coded
    together, so that many small files keep every worker busy; each target appears when it is
    whole. Returns (bytes read, bytes written) per file."""
    config = make_config(level, model, **params)
    _check_count("block_size", block_size, MAX_FRAME_LENGTH)
    _check_count("threads", threads, 1024)
    _check_device(device)
    outputs = [os.fspath(t) for t in targets] if targets is not None else [os.fspath(s) + SUFFIX for s in sources]
    if len(outputs) != len(sources):
        raise ValueError("as many targets as sources are needed")
    from .files import atomic_output
    from .parallel import code_blocks, read_blocks

    owners: list[int] = []  # the file of each block, in order
    counts = [[0, 0] for _ in sources]

    def blocks() -> Iterator[bytes]:
        for i, source in enumerate(sources):
            with builtins.open(source, "rb") as f:
                for block in read_blocks(f, block_size):
                    owners.append(i)
                    counts[i][0] += len(block)
                    yield block

    with contextlib.ExitStack() as stack:
        current, out = -1, None
        for number, frame in enumerate(code_blocks(blocks(), config, device, threads, client)):
            owner = owners[number]
            if owner != current:
                stack.close()  # the previous file is whole: it appears now
                out = stack.enter_context(atomic_output(outputs[owner], like=os.fspath(sources[owner])))
                current = owner
            assert out is not None
            out.write(frame)
            counts[owner][1] += len(frame)
    return [(n_in, n_out) for n_in, n_out in counts]


class _FrameReader(_compression.DecompressReader):
    """The standard library's reader (read, seek forward by reading and backward by rewinding, as
    gzip's, lzma's and bz2's files) over rnnzip frames. Its decompressor ends at every frame
    boundary; the reader then starts another for the bytes that follow, which continue the same
    stream: bytes there that are not a frame are trailing data. An empty file reads as empty, as
    gzip's does."""

    def __init__(self, fp: BinaryIO, device: str) -> None:
        super().__init__(fp, self._next_decompressor, device=device)  # type: ignore[arg-type]  # (a narrow stub)

    def _next_decompressor(self, device: str) -> _ReaderDecompressor:
        return _ReaderDecompressor(device, continues=self._pos > 0)  # type: ignore[attr-defined]  # (the stub)


class _ReaderDecompressor(RnnzipDecompressor):
    @property
    def eof(self) -> bool:  # before any input too: the reader then reads on, or ends an empty file
        return (not self._frames.frames and not self._frames.buffered) or super().eof


class RnnzipFile(io.BufferedIOBase):
    """A binary file object over rnnzip data: mode 'rb', 'wb', 'xb' or 'ab', as gzip.GzipFile
    (read, write, seek, tell, name, mode, fileno)."""

    # set before anything can fail, so that close() (also called when __init__ raised) is safe
    _fp: BinaryIO | None = None
    _owns = False
    _mode = "r"
    _buffer: io.BufferedReader | None = None
    _compressor: RnnzipCompressor | None = None
    _written = 0  # uncompressed bytes written (tell() when writing)

    def __init__(
        self,
        filename: str | bytes | os.PathLike[Any] | BinaryIO,
        mode: str = "rb",
        *,
        level: int | None = None,
        model: str | None = None,
        device: str | None = None,
        block_size: int = DEFAULT_BLOCK_SIZE,
        **params: Any,
    ) -> None:
        if not isinstance(mode, str) or mode.replace("b", "") not in ("r", "w", "x", "a") or mode.count("b") > 1:
            raise ValueError(f"invalid mode {mode!r}")
        mode = mode.replace("b", "")
        if not isinstance(filename, (str, bytes, os.PathLike)) and not hasattr(
            filename, "read" if mode == "r" else "write"
        ):
            raise TypeError("filename must be a str, bytes, PathLike or file object")
        if mode != "r":  # before the file is opened, so that bad arguments never truncate it
            compressor = RnnzipCompressor(level, model=model, device=device or "cpu", block_size=block_size, **params)
        else:
            _check_device(device or "auto")
        if isinstance(filename, (str, bytes, os.PathLike)):
            fp = cast(BinaryIO, builtins.open(filename, mode + "b"))  # noqa: SIM115 (closed by close())
            self._owns = True
        else:
            fp = filename
        self._fp, self._mode = fp, mode
        if mode == "r":
            self._buffer = io.BufferedReader(_FrameReader(fp, device or "auto"))
        else:
            self._compressor = compressor

    @property
    def name(self) -> str | bytes:
        """The underlying file's name (as gzip.GzipFile's); AttributeError for a file object without one."""
        self._check_not_closed()
        return cast(Any, self._fp).name

    @property
    def mode(self) -> str:
        return self._mode + "b"

    def fileno(self) -> int:
        self._check_not_closed()
        assert self._fp is not None
        return self._fp.fileno()

    def readable(self) -> bool:
        self._check_not_closed()
        return self._mode == "r"

    def writable(self) -> bool:
        self._check_not_closed()
        return self._mode != "r"

    def seekable(self) -> bool:
        return self.readable() and self._reader().seekable()

    def read(self, size: int | None = -1) -> bytes:
        return self._reader().read(size)

    def read1(self, size: int = -1) -> bytes:
        return self._reader().read1(size)

    def readinto(self, b: Any) -> int:
        return self._reader().readinto(b)

    def readline(self, size: int | None = -1) -> bytes:
        return self._reader().readline(size)

    def peek(self, size: int = 0) -> bytes:
        return self._reader().peek(size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Forward by reading on, backward by decoding again from the start (as gzip)."""
        self._check_can_seek()
        return self._reader().seek(offset, whence)

    def tell(self) -> int:
        """The position in the uncompressed data."""
        self._check_not_closed()
        return self._reader().tell() if self._mode == "r" else self._written

    def write(self, data: Any) -> int:
        self._check_can_write()
        assert self._fp is not None and self._compressor is not None
        view = memoryview(data).cast("B")
        self._fp.write(self._compressor.compress(view))
        self._written += len(view)
        return len(view)

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._compressor is not None and self._fp is not None:
                self._fp.write(self._compressor.flush())
            if self._buffer is not None:
                self._buffer.close()
        finally:
            try:
                if self._owns and self._fp is not None:
                    self._fp.close()
            finally:
                super().close()

    def _reader(self) -> io.BufferedReader:
        self._check_can_read()
        assert self._buffer is not None
        return self._buffer

    def _check_not_closed(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def _check_can_read(self) -> None:
        if not self.readable():
            raise io.UnsupportedOperation("file not open for reading")

    def _check_can_write(self) -> None:
        if not self.writable():
            raise io.UnsupportedOperation("file not open for writing")

    def _check_can_seek(self) -> None:
        if not self.seekable():
            raise io.UnsupportedOperation("seeking needs a file open for reading whose file object seeks")


@overload
def open(
    filename: str | bytes | os.PathLike[Any] | BinaryIO,
    mode: Literal["rb", "wb", "xb", "ab", "r", "w", "x", "a"] = "rb",
    *,
    encoding: None = None,
    errors: None = None,
    newline: None = None,
    **kwargs: Any,
) -> RnnzipFile: ...
@overload
def open(
    filename: str | bytes | os.PathLike[Any] | BinaryIO,
    mode: Literal["rt", "wt", "xt", "at"],
    *,
    encoding: str | None = None,
    errors: str | None = None,
    newline: str | None = None,
    **kwargs: Any,
) -> io.TextIOWrapper: ...
@overload
def open(
    filename: str | bytes | os.PathLike[Any] | BinaryIO,
    mode: str,
    *,
    encoding: str | None = None,
    errors: str | None = None,
    newline: str | None = None,
    **kwargs: Any,
) -> RnnzipFile | io.TextIOWrapper: ...


def open(
    filename: str | bytes | os.PathLike[Any] | BinaryIO,
    mode: str = "rb",
    *,
    encoding: str | None = None,
    errors: str | None = None,
    newline: str | None = None,
    **kwargs: Any,
) -> RnnzipFile | io.TextIOWrapper:
    """Open an rnnzip file in binary ('rb', 'wb', 'xb', 'ab') or text ('rt', 'wt', ...) mode."""
    if "t" in mode:
        if "b" in mode:
            raise ValueError(f"invalid mode {mode!r}")
        binary = RnnzipFile(filename, mode.replace("t", ""), **kwargs)
        return io.TextIOWrapper(binary, encoding, errors, newline)  # as gzip.open does
    if encoding is not None or errors is not None or newline is not None:
        raise ValueError("encoding, errors and newline are for text mode only")
    return RnnzipFile(filename, mode, **kwargs)
