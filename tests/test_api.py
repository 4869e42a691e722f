"""The Python API: one-shot functions, streaming objects, file objects, errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import torch

import rnnzip
from conftest import SMALL, TINY_BITWISE, TINY_NETWORK, sample


def test_device_auto_codes_on_the_device_it_finds() -> None:
    data = sample(400)
    for kwargs in ({**TINY_NETWORK, "model": "lstm"}, {**TINY_BITWISE}, {"level": 1}):
        assert rnnzip.decompress(rnnzip.compress(data, device="auto", **kwargs)) == data


def test_accepts_bytes_like() -> None:
    data = sample(500)
    for value in (data, bytearray(data), memoryview(data)):
        assert rnnzip.decompress(rnnzip.compress(value, **SMALL)) == data


@pytest.mark.parametrize("value", [None, "text", 42, [1, 2]])
def test_data_must_be_bytes_like(value) -> None:
    with pytest.raises(TypeError, match="bytes-like object is required"):
        rnnzip.compress(value)
    with pytest.raises(TypeError, match="bytes-like object is required"):
        rnnzip.decompress(value)
    with pytest.raises(TypeError, match="bytes-like object is required"):
        rnnzip.RnnzipCompressor().compress(value)
    with pytest.raises(TypeError, match="bytes-like object is required"):
        rnnzip.RnnzipDecompressor().decompress(value)


@pytest.mark.parametrize("level, error", [(True, TypeError), (6.0, TypeError), ("6", TypeError), (0, ValueError),
                                          (10, ValueError), (-1, ValueError)])  # fmt: skip
def test_a_bad_level_is_refused_with_a_message(level, error) -> None:
    with pytest.raises(error, match="level must be"):
        rnnzip.compress(b"data", level=level)
    with pytest.raises(error, match="level must be"):
        rnnzip.RnnzipCompressor(level)


def test_incremental_objects_match_one_shot() -> None:
    data = sample(2000)
    c = rnnzip.RnnzipCompressor(block_size=700, **SMALL)
    packed = b"".join(c.compress(data[i : i + 300]) for i in range(0, len(data), 300)) + c.flush()
    assert packed == rnnzip.compress(data, block_size=700, **SMALL)
    d = rnnzip.RnnzipDecompressor()
    out = b"".join(d.decompress(packed[i : i + 97]) for i in range(0, len(packed), 97))
    assert out == data
    assert d.eof and d.needs_input and d.unused_data == b""
    with pytest.raises(ValueError):
        c.flush()


def test_decompressor_max_length_unused_data_and_eof() -> None:
    """As lzma.LZMADecompressor: max_length bounds each call, needs_input tells when output is
    still buffered, bytes after the frames that are not a frame are kept in unused_data."""
    data = sample(1500)
    packed = rnnzip.compress(data, block_size=600, **SMALL)  # three frames
    d = rnnzip.RnnzipDecompressor()
    out = d.decompress(packed + b"tail", max_length=100)
    assert out == data[:100] and not d.needs_input and not d.eof
    while not d.needs_input or not d.eof:
        chunk = d.decompress(b"", max_length=250)
        assert len(chunk) <= 250
        out += chunk
        if not chunk and d.unused_data:
            break
    assert out == data
    assert d.unused_data == b"tail" and d.eof
    with pytest.raises(EOFError, match="end of the rnnzip stream"):
        d.decompress(b"more")
    with pytest.raises(rnnzip.BadRnnzipFile, match="trailing data"):
        rnnzip.decompress(packed + b"tail")


def test_decompressor_refuses_foreign_data_at_the_start() -> None:
    with pytest.raises(rnnzip.BadRnnzipFile, match="not in rnnzip format"):
        rnnzip.RnnzipDecompressor().decompress(b"PK\x03\x04 a zip file")


def test_file_object_detects_truncation_and_trailing_data() -> None:
    packed = rnnzip.compress(sample(700), **SMALL)
    with pytest.raises(EOFError, match="ended"):
        rnnzip.open(io.BytesIO(packed[:-2])).read()
    with pytest.raises(rnnzip.BadRnnzipFile, match="trailing data"):
        rnnzip.open(io.BytesIO(packed + b"junk")).read()
    assert rnnzip.open(io.BytesIO(b"")).read() == b""  # an empty file, as gzip.open reads it


def test_file_object_is_safe_to_close_after_a_failed_open(tmp_path: Path) -> None:
    """Bad arguments raise before the file is touched, and the half-built object closes cleanly
    (io's finaliser calls close() on it)."""
    path = tmp_path / "keep.rnz"
    path.write_bytes(b"precious")
    for kwargs in ({"level": 12}, {"device": "gpu"}, {"hidden_size": 0}):
        with pytest.raises(ValueError):
            rnnzip.RnnzipFile(path, "wb", **kwargs)
    assert path.read_bytes() == b"precious"
    f = rnnzip.RnnzipFile.__new__(rnnzip.RnnzipFile)
    f.close()  # nothing was opened: must not raise
    with pytest.raises(FileNotFoundError):
        rnnzip.RnnzipFile(tmp_path / "missing.rnz")


def test_open_binary_and_text(tmp_path: Path) -> None:
    path = tmp_path / "t.rnz"
    text = "Привет, мир!\nhello world\n" * 20
    with rnnzip.open(path, "wt", encoding="utf-8", **SMALL) as f:
        f.write(text)
    with rnnzip.open(path, "rt", encoding="utf-8") as f:
        assert f.read() == text
    with rnnzip.open(path, "rb") as f:
        assert f.read(5) == text.encode()[:5]
        assert f.read() == text.encode()[5:]
    with rnnzip.open(path, "rt", encoding="utf-8") as f:
        assert f.readline() == "Привет, мир!\n"


def test_open_file_object_and_errors(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with rnnzip.open(buf, "wb", **SMALL) as f:
        f.write(b"abc" * 100)
        with pytest.raises(io.UnsupportedOperation):
            f.read()
    assert rnnzip.decompress(buf.getvalue()) == b"abc" * 100
    with pytest.raises(ValueError, match="invalid mode"):
        rnnzip.open(buf, "rw")
    with pytest.raises(TypeError):
        rnnzip.RnnzipFile(123)  # type: ignore[arg-type]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="level"):
        rnnzip.compress(b"x", level=12)
    with pytest.raises(ValueError, match="unknown model"):
        rnnzip.compress(b"x", model="transformer")
    with pytest.raises(TypeError, match="unknown parameter"):
        rnnzip.compress(b"x", hiden_size=3)
    with pytest.raises(ValueError, match="hidden_size"):
        rnnzip.compress(b"x", hidden_size=-1)
    with pytest.raises(ValueError, match="match_min needs context_order"):
        rnnzip.compress(b"x", model="lstm", match_min=6)
    with pytest.raises(ValueError, match="no context models"):
        rnnzip.compress(b"x", model="seed-gru-att", context_order=3)
    for call in (
        lambda: rnnzip.compress(b"x", device="gpu"),
        lambda: rnnzip.decompress(b"x", device="cpu0"),
        lambda: rnnzip.RnnzipDecompressor(device="GPU"),
        lambda: rnnzip.RnnzipCompressor(device=""),
    ):
        with pytest.raises(ValueError, match="device must be one of"):
            call()
    with pytest.raises(ValueError, match="block_size"):
        rnnzip.compress(b"x", block_size=0)
    with pytest.raises(TypeError, match="block_size"):
        rnnzip.compress(b"x", block_size=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="threads"):
        rnnzip.decompress(b"x", threads=0)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_requested_without_cuda() -> None:
    with pytest.raises(rnnzip.RnnzipError, match="CUDA"):
        rnnzip.compress(b"x", model="lstm", device="cuda")


def test_error_hierarchy() -> None:
    assert issubclass(rnnzip.BadRnnzipFile, OSError)
    assert issubclass(rnnzip.BadRnnzipFile, rnnzip.RnnzipError)
    with pytest.raises(OSError):
        rnnzip.decompress(b"definitely not")


def test_file_object_tells_and_seeks_as_gzip_does(tmp_path: Path) -> None:
    data = sample(3000)
    path = tmp_path / "s.rnz"
    with rnnzip.open(path, "wb", block_size=1000, **SMALL) as f:  # three frames
        assert f.tell() == 0
        f.write(data[:1234])
        assert f.tell() == 1234
        f.write(data[1234:])
        assert f.tell() == 3000 and not f.seekable()
        assert f.name == str(path) and f.mode == "wb"
        with pytest.raises(io.UnsupportedOperation):
            f.seek(0)
    with rnnzip.open(path) as f:
        assert f.name == str(path) and f.mode == "rb" and f.fileno() > 2 and f.seekable()
        assert f.read(10) == data[:10] and f.tell() == 10
        assert f.seek(2500) == 2500 and f.read(5) == data[2500:2505]  # forward, into the third frame
        assert f.seek(100) == 100 and f.read(50) == data[100:150]  # backward: decoded again from the start
        assert f.seek(-10, io.SEEK_END) == 2990 and f.read() == data[-10:]
        assert f.seek(-20, io.SEEK_CUR) == 2980 and f.tell() == 2980
    with pytest.raises(ValueError, match="closed file"):
        f.tell()


def test_tarfile_reads_an_rnnzip_file(tmp_path: Path) -> None:
    import tarfile

    members = {"a.txt": sample(2000), "b/c.txt": b"hello\n" * 50}
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    path = tmp_path / "t.tar.rnz"
    with rnnzip.open(path, "wb", **SMALL) as f:
        f.write(raw.getvalue())
    with rnnzip.open(path) as f, tarfile.open(fileobj=f, mode="r:") as tar:
        assert sorted(tar.getnames()) == sorted(members)
        for name, content in members.items():
            extracted = tar.extractfile(name)
            assert extracted is not None and extracted.read() == content


def test_open_types_by_mode() -> None:
    """open()'s overloads: a binary mode gives RnnzipFile (bytes), a text mode a TextIOWrapper (str)."""
    buf = io.BytesIO()
    with rnnzip.open(buf, "wt", encoding="utf-8", **SMALL) as text:
        assert isinstance(text, io.TextIOWrapper)
        text.write("é")
    with rnnzip.open(io.BytesIO(buf.getvalue()), "rb") as binary:
        assert isinstance(binary, rnnzip.RnnzipFile) and binary.read() == "é".encode()


def test_files_locally_on_worker_processes(tmp_path: Path) -> None:
    sources = []
    for i, n in enumerate([0, 2500, 700]):
        sources.append(tmp_path / f"f{i}.txt")
        sources[-1].write_bytes(sample(n))
    counts = rnnzip.compress_files(sources, level=1, block_size=1000, threads=2)
    for source, (n_in, n_out) in zip(sources, counts, strict=True):
        packed = Path(str(source) + ".rnz").read_bytes()
        assert packed == rnnzip.compress(source.read_bytes(), level=1, block_size=1000)
        assert (n_in, n_out) == (source.stat().st_size, len(packed))
    rnnzip.compress_file(sources[1], tmp_path / "one.rnz", level=1)
    assert rnnzip.decompress_file(tmp_path / "one.rnz", tmp_path / "back.txt", threads=2)[1] == 2500
    assert (tmp_path / "back.txt").read_bytes() == sample(2500)
    with pytest.raises(ValueError, match="as many targets as sources"):
        rnnzip.compress_files(sources, [tmp_path / "x.rnz"])
