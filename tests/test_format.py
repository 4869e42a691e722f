"""The file format as a contract: golden bitstreams, header layout, and every kind of bad input."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

import rnnzip
from conftest import TINY_NETWORK, sample
from make_golden import CASES, V3_CASES
from rnnzip.contract import preset_id
from rnnzip.errors import BadRnnzipFile, EnvironmentMismatch
from rnnzip.format import MAGIC, MODEL, VERSION, _uvarint, pack_header, read_header
from rnnzip.numerics import current_environment

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_bitstreams(name: str) -> None:
    data, kwargs = CASES[name]
    golden = (DATA / f"{name}.rnz").read_bytes()
    assert (DATA / f"{name}.in").read_bytes() == data
    skip_where_the_numerics_differ(golden)
    assert rnnzip.decompress(golden) == data
    assert rnnzip.compress(data, **kwargs) == golden, "bitstream changed: bump the format version"


@pytest.mark.parametrize("name", sorted(V3_CASES))
def test_format_3_files_still_decode(name: str) -> None:
    golden = (DATA / f"{name}.rnz").read_bytes()
    assert golden[len(MAGIC)] == 3
    skip_where_the_numerics_differ(golden)
    assert rnnzip.decompress(golden) == CASES[V3_CASES[name]][0]


def header_of(packed: bytes):
    header = read_header(io.BytesIO(packed))
    assert header is not None
    return header


def skip_where_the_numerics_differ(golden: bytes) -> None:
    """A golden frame with a network decodes only where torch computes as on the machine that
    made it (another torch, or another CPU vendor: MKL and oneDNN pick their kernels by CPU).
    There the decoder must refuse it at once, naming what differs; then the test is skipped."""
    made_with = header_of(golden).environment
    if made_with is None:
        return
    here = current_environment(made_with.device)
    if here == made_with:
        return
    with pytest.raises(EnvironmentMismatch, match="cannot decode on this machine"):
        rnnzip.decompress(golden)
    pytest.skip(f"golden made with {made_with.describe()}, probe {made_with.probe:04x}; here probe {here.probe:04x}")


def model_frame(data: bytes = sample(800), **kw) -> bytes:
    packed = rnnzip.compress(data, **{**TINY_NETWORK, **kw})
    assert header_of(packed).method == MODEL
    return packed


def test_default_frame_header_is_small_and_uses_a_preset_id() -> None:
    packed = rnnzip.compress(sample(3000))
    header = header_of(packed)
    size = len(packed) - header.payload_length
    # magic 4, version and method 2, length 2, crc 4, preset 1, batch 1, the prior's id 4, payload length 2,
    # header check 2 (no environment: the default's network is the engine's own)
    assert size == 22
    assert preset_id(header.config) != 0


def test_custom_parameters_are_stored_explicitly() -> None:
    cfg = header_of(model_frame(learning_rate=0.0123, clip=0.7)).config
    assert (cfg.learning_rate, cfg.clip, cfg.hidden_size) == (0.0123, 0.7, TINY_NETWORK["hidden_size"])


def test_empty_compressed_input() -> None:
    with pytest.raises(EOFError, match="empty"):
        rnnzip.decompress(b"")


def test_wrong_magic() -> None:
    with pytest.raises(BadRnnzipFile, match="not in rnnzip format"):
        rnnzip.decompress(b"\x1f\x8b\x08\x00 this is gzip")


@pytest.mark.parametrize("cut", [2, 5, 12, 30, -1])
def test_truncated(cut: int) -> None:
    packed = model_frame()
    with pytest.raises(EOFError, match="ended"):
        rnnzip.decompress(packed[:cut])


def test_truncated_in_incremental_decompressor() -> None:
    packed = model_frame()
    d = rnnzip.RnnzipDecompressor()
    assert d.decompress(packed[:-3]) == b""
    assert not d.eof and d.needs_input


def test_unknown_version() -> None:
    packed = bytearray(model_frame())
    packed[len(MAGIC)] = VERSION + 1
    with pytest.raises(BadRnnzipFile, match="unsupported format version"):
        rnnzip.decompress(bytes(packed))


@pytest.mark.parametrize("version", [1, 2])
def test_older_versions_are_refused_clearly(version: int) -> None:
    """Versions 1 and 2 had other predictors and headers: their files must fail at once, not
    decode to garbage."""
    with pytest.raises(BadRnnzipFile, match=f"unsupported format version {version} "):
        rnnzip.decompress((DATA / f"v{version}-tiny-hybrid.rnz").read_bytes())


def test_corrupt_header_field_is_caught_by_the_frame_check() -> None:
    packed = bytearray(model_frame())
    packed[7] ^= 0x40  # inside the length field
    with pytest.raises(BadRnnzipFile, match="checksum mismatch"):
        rnnzip.decompress(bytes(packed))


def test_corrupt_payload_is_refused_before_decoding() -> None:
    packed = bytearray(model_frame())
    packed[-9] ^= 0x01
    with pytest.raises(BadRnnzipFile, match="corrupt frame \\(checksum mismatch\\)"):
        rnnzip.decompress(bytes(packed))


def test_the_range_decoders_refusal_is_a_bad_file_not_a_traceback() -> None:
    """constriction raises AssertionError for data its model cannot have written (3.5% of bit
    flips in a 3 KB file of rnnzip 0.1 ended in that traceback); a format 3 file, whose check
    covers only the header, reaches the range decoder with a corrupt payload."""
    packed = bytearray((DATA / "v3-level-1.rnz").read_bytes())
    skip_where_the_numerics_differ(bytes(packed))
    packed[25] ^= 1 << 6  # in the payload: found by flipping every bit
    with pytest.raises(BadRnnzipFile, match="corrupt payload \\(Tried to decode"):
        rnnzip.decompress(bytes(packed))


def test_format_3_corruption_is_caught_by_its_header_check_or_the_coder() -> None:
    """Version 3 checked the header alone: a corrupt payload fails in the range decoder (an
    error of the coder, turned into BadRnnzipFile) or at the data's CRC-32."""
    packed = bytearray((DATA / "v3-level-1.rnz").read_bytes())
    packed[10] ^= 0x01
    with pytest.raises(BadRnnzipFile, match="corrupt header"):
        rnnzip.decompress(bytes(packed))
    skip_where_the_numerics_differ((DATA / "v3-level-1.rnz").read_bytes())  # the payload needs the model
    for offset in range(-60, -1, 7):
        damaged = bytearray((DATA / "v3-level-1.rnz").read_bytes())
        damaged[offset] ^= 0x04
        with pytest.raises(BadRnnzipFile, match="corrupt"):
            rnnzip.decompress(bytes(damaged))


def _reheader(packed: bytes, **changes) -> bytes:
    """Rewrite a frame's header with changed fields and a valid header checksum."""
    header = header_of(packed)
    payload = packed[len(packed) - header.payload_length :]
    return pack_header(replace(header, **changes), payload) + payload


def test_absurd_parameters_rejected_before_allocation() -> None:
    packed = model_frame()
    cfg = header_of(packed).config
    for field, value in [("hidden_size", 60000), ("num_layers", 200), ("embed_size", 5000), ("hidden_size", 4000)]:
        forged = _reheader(packed, config=replace(cfg, **{field: value}))
        with pytest.raises(BadRnnzipFile, match="corrupt header"):
            rnnzip.decompress(forged)


def test_absurd_length_rejected() -> None:
    # a stored frame claiming 2**40 bytes, with a valid header checksum
    body = MAGIC + bytes([VERSION, 0]) + b"\x80\x80\x80\x80\x80\x20" + struct.pack("<I", 0)
    forged = body + struct.pack("<H", zlib.crc32(body) & 0xFFFF)
    with pytest.raises(BadRnnzipFile, match="frame length exceeds"):
        rnnzip.decompress(forged)


def test_lying_length_with_short_payload_is_truncation() -> None:
    packed = model_frame()
    header = header_of(packed)
    forged = _reheader(packed, payload_length=header.payload_length + 1000)
    with pytest.raises(EOFError):
        rnnzip.decompress(forged)


def test_environment_mismatch_is_named_before_decoding() -> None:
    packed = model_frame()
    env = header_of(packed).environment
    for change, word in [
        ({"probe": env.probe ^ 1}, "probe"),
        ({"capability": "AVX512"}, "capability"),
        ({"torch_version": (1, 0, 0)}, "torch_version"),
    ]:
        forged = _reheader(packed, environment=replace(env, **change))
        with pytest.raises(EnvironmentMismatch, match=word):
            rnnzip.decompress(forged)


def test_cuda_file_on_a_machine_without_cuda(monkeypatch) -> None:
    packed = model_frame()
    env = header_of(packed).environment
    forged = _reheader(packed, environment=replace(env, device="cuda", capability="CUDA"))
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    with pytest.raises(EnvironmentMismatch, match="CUDA"):
        rnnzip.decompress(forged)


def _forge_header_byte(packed: bytes, offset_after_crc: int, value: int) -> bytes:
    """Set one header byte, counted from the first byte after the data CRC, and re-checksum."""
    body = bytearray(packed[: len(packed) - header_of(packed).payload_length - 2])
    body[len(MAGIC) + 2 + len(_uvarint(header_of(packed).length)) + 4 + offset_after_crc] = value
    payload = packed[len(body) + 2 :]
    return bytes(body) + struct.pack("<H", zlib.crc32(payload, zlib.crc32(body)) & 0xFFFF) + payload


def test_unknown_preset_id() -> None:
    packed = rnnzip.compress(sample(800), level=1)
    assert preset_id(header_of(packed).config) == 31
    with pytest.raises(BadRnnzipFile, match="unknown preset id 250"):
        rnnzip.decompress(_forge_header_byte(packed, 0, 250))


def test_unknown_capability_code() -> None:
    packed = rnnzip.compress(sample(800), model="hybrid-1")  # preset 1, batch 1 byte, torch version 3 bytes
    with pytest.raises(BadRnnzipFile, match="capability"):
        rnnzip.decompress(_forge_header_byte(packed, 5, 0x0F))
