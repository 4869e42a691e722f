"""The Python API: one-shot functions, streaming objects, file objects, errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import torch

import rnnzip

from conftest import TINY, sample


def test_accepts_bytes_like() -> None:
    data = sample(500)
    for value in (data, bytearray(data), memoryview(data)):
        assert rnnzip.decompress(rnnzip.compress(value, **TINY)) == data


def test_incremental_objects_match_one_shot() -> None:
    data = sample(2000)
    c = rnnzip.RnnzipCompressor(block_size=700, **TINY)
    packed = b"".join(c.compress(data[i : i + 300]) for i in range(0, len(data), 300)) + c.flush()
    assert packed == rnnzip.compress(data, block_size=700, **TINY)
    d = rnnzip.RnnzipDecompressor()
    out = b"".join(d.decompress(packed[i : i + 97]) for i in range(0, len(packed), 97))
    d.finish()
    assert out == data
    with pytest.raises(ValueError):
        c.flush()


def test_open_binary_and_text(tmp_path: Path) -> None:
    path = tmp_path / "t.rnz"
    text = "Привет, мир!\nhello world\n" * 20
    with rnnzip.open(path, "wt", encoding="utf-8", **TINY) as f:
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
    with rnnzip.open(buf, "wb", **TINY) as f:
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


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_requested_without_cuda() -> None:
    with pytest.raises(rnnzip.RnnzipError, match="CUDA"):
        rnnzip.compress(b"x", device="cuda")


def test_error_hierarchy() -> None:
    assert issubclass(rnnzip.BadRnnzipFile, OSError)
    assert issubclass(rnnzip.BadRnnzipFile, rnnzip.RnnzipError)
    with pytest.raises(OSError):
        rnnzip.decompress(b"definitely not")
