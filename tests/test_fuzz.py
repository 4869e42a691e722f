"""Fuzzing the decoder: mutated files of every kind either decode to exactly the original or
fail with RnnzipError/EOFError, quickly. `make fuzz` runs the long profile
(RNNZIP_FUZZ_EXAMPLES=N). What it finds is left in $TMPDIR/rnnzip-crashers; moved into
tests/data/crashers, each file is a regression case that must fail cleanly."""

from __future__ import annotations

import io
import itertools
import os
import struct
import tempfile
import time
import zlib
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnzip
from conftest import TINY_BITWISE, TINY_CIFG, TINY_HYBRID, TINY_NETWORK, sample
from rnnzip.format import iter_frames

CRASHERS = Path(__file__).parent / "data" / "crashers"  # regression cases: each must fail cleanly
FOUND = Path(tempfile.gettempdir()) / "rnnzip-crashers"  # where the fuzz test leaves what it finds
EXAMPLES = int(os.environ.get("RNNZIP_FUZZ_EXAMPLES", "60"))
DEADLINE_S = 20.0  # no input, however mutated, may take longer than this to refuse or decode

# the kinds of valid file to start from: (name, original data, compress arguments)
KINDS = {
    "empty": (b"", {}),
    "stored": (bytes(range(256)), TINY_NETWORK),
    "single symbol": (b"z" * 300, TINY_NETWORK),
    "network": (sample(700), {**TINY_NETWORK, "model": "lstm"}),
    "hybrid": (sample(700), TINY_HYBRID),
    "bitwise alone": (sample(700), {"model": "level-1", "cm_bits": 16}),
    "bitwise with network": (sample(700), TINY_BITWISE),
    "engine's network": (sample(700), TINY_CIFG),
    "prior (format 5)": (sample(700), {"cm_bits": 16}),
    "several frames": (sample(900), {**TINY_NETWORK, "block_size": 300}),
}


@cache
def valid(kind: str) -> tuple[bytes, bytes]:
    """(original, compressed) of a kind; concatenated files are two kinds one after the other."""
    data, kwargs = KINDS[kind]
    return data, rnnzip.compress(data, **kwargs)


def check(packed: bytes, originals: set[bytes]) -> None:
    start = time.monotonic()
    try:
        result = rnnzip.decompress(packed)
    except (rnnzip.RnnzipError, EOFError):
        pass
    else:
        assert result in originals, "a mutated file decoded to something else than its frames"
    assert time.monotonic() - start < DEADLINE_S


@st.composite
def mutated(draw) -> tuple[bytes, set[bytes]]:
    data, packed = valid(draw(st.sampled_from(sorted(KINDS))))
    if draw(st.booleans()):  # a concatenation
        other_data, other = valid(draw(st.sampled_from(sorted(KINDS))))
        data, packed = data + other_data, packed + other
    # a stream cut at a frame boundary is a valid shorter stream, as with gzip members
    ends = itertools.accumulate(header.length for header, _ in iter_frames(io.BytesIO(packed)))
    originals = {data[:end] for end in ends}
    out = bytearray(packed)
    how = draw(st.sampled_from(["flip", "header flip", "truncate", "insert", "append", "field"]))
    if how in ("flip", "header flip") and out:
        end = min(len(out), 40) if how == "header flip" else len(out)
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, end - 1))
            out[i] ^= 1 << draw(st.integers(0, 7))
    elif how == "truncate":
        del out[draw(st.integers(0, len(out))) :]
    elif how == "insert":
        i = draw(st.integers(0, len(out)))
        out[i:i] = draw(st.binary(min_size=1, max_size=8))
    elif how == "append":
        out += draw(st.binary(min_size=1, max_size=20))
    elif how == "field" and len(out) > 8:  # an extreme value written over a few header bytes
        i = draw(st.integers(4, min(len(out), 40) - 4))
        out[i : i + 4] = struct.pack("<I", draw(st.sampled_from([0, 1, 0xFFFFFFFF, 0x7FFFFFFF, 1 << 30])))
    return bytes(out), originals


# CI's short profile is the same examples every run; a long run (make fuzz) explores anew
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None,
          derandomize="RNNZIP_FUZZ_EXAMPLES" not in os.environ)  # fmt: skip
@given(mutated())
def test_mutated_files_fail_cleanly_or_decode_exactly(case: tuple[bytes, set[bytes]]) -> None:
    packed, originals = case
    try:
        check(packed, originals)
    except BaseException:
        # kept outside the source tree: move it into tests/data/crashers to make it a regression case
        FOUND.mkdir(exist_ok=True)
        (FOUND / f"crasher-{zlib.crc32(packed):08x}.rnz").write_bytes(packed)
        raise


@pytest.mark.parametrize("path", sorted(CRASHERS.glob("*.rnz")), ids=lambda p: p.name)
def test_kept_crashers_fail_cleanly(path: Path) -> None:
    start = time.monotonic()
    with pytest.raises((rnnzip.RnnzipError, EOFError)):
        rnnzip.decompress(path.read_bytes())
    assert time.monotonic() - start < DEADLINE_S


def test_crashers_are_kept() -> None:
    assert len(list(CRASHERS.glob("*.rnz"))) >= 5
