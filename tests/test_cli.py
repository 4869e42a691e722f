"""The command line, in-process through main(argv), plus one real subprocess."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import sample
from rnnzip.cli import main
from rnnzip.contract import PRESETS
from rnnzip.format import read_header

TINY_ARGS = ["--hidden-size", "16", "--embed-size", "8", "--seq-length", "8", "--batch-size", "4"]


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "a.txt"
    path.write_bytes(sample(1500))
    return path


def run(*argv: str) -> int:
    return main([*TINY_ARGS, *argv])


def test_compress_then_decompress_replaces_files(text_file: Path) -> None:
    original = text_file.read_bytes()
    assert run(str(text_file)) == 0
    packed = text_file.with_name("a.txt.rnz")
    assert packed.exists() and not text_file.exists()
    assert run("-d", str(packed)) == 0
    assert text_file.read_bytes() == original and not packed.exists()


def test_keep_and_stdout(text_file: Path, capsysbinary) -> None:
    assert run("-k", str(text_file)) == 0
    assert text_file.exists() and text_file.with_name("a.txt.rnz").exists()
    assert run("-c", str(text_file)) == 0
    out = capsysbinary.readouterr().out
    assert out == text_file.with_name("a.txt.rnz").read_bytes()


def test_existing_output_needs_force(text_file: Path, capsys) -> None:
    target = text_file.with_name("a.txt.rnz")
    target.write_bytes(b"precious")
    assert run(str(text_file)) == 1
    assert "already exists" in capsys.readouterr().err
    assert target.read_bytes() == b"precious" and text_file.exists()
    assert run("-f", str(text_file)) == 0
    assert target.read_bytes() != b"precious"


def test_test_and_list(text_file: Path, capsys) -> None:
    assert run("-k", str(text_file)) == 0
    packed = str(text_file) + ".rnz"
    assert run("-t", packed) == 0
    assert run("-l", packed) == 0
    out = capsys.readouterr().out
    default = PRESETS["level-6"]
    assert "custom (none)" in out and "1,500" in out
    assert f"batch_size=4, cm_bits={default.cm_bits}, cm_contexts={default.cm_contexts}" in out
    assert run("-k", "-f", "--model", "lstm", str(text_file)) == 0 and run("-l", packed) == 0
    assert "custom (lstm)" in (out := capsys.readouterr().out) and "hidden_size=16" in out and "torch 2" in out
    assert main(["-1", "-k", "-f", str(text_file)]) == 0 and main(["-l", packed]) == 0
    assert "frame 0: level-1 (none), 1,500 -> " in (out := capsys.readouterr().out)
    assert "bitwise engine, decoding needs about 194 MB, batch_size=1, cm_bits=24, cm_contexts=7\n" in out
    assert "hidden_size" not in out and "torch" not in out


def test_levels_and_model_option(text_file: Path, capsysbinary) -> None:
    """A level and a model choose what the header records, overrides included."""
    packed = Path(str(text_file) + ".rnz")
    assert main(["-1", "-k", str(text_file)]) == 0
    assert read_header(io.BytesIO(packed.read_bytes())).config == PRESETS["level-1"].with_overrides(batch_size=1)
    assert main(["-d", "-c", str(packed)]) == 0
    assert capsysbinary.readouterr().out == text_file.read_bytes()
    assert main(["--model", "gru-att", "-f", "-k", *TINY_ARGS, "--clip", "0.5", str(text_file)]) == 0
    config = read_header(io.BytesIO(packed.read_bytes())).config
    assert (config.network, config.hidden_size, config.clip) == ("gru-att", 16, 0.5)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"not rnnzip data at all", "not in rnnzip format"),
    ],
)
def test_bad_compressed_files(tmp_path: Path, capsys, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.rnz"
    bad.write_bytes(content)
    assert main(["-d", str(bad)]) == 1
    err = capsys.readouterr().err
    assert message in err and "bad.rnz" in err and "Traceback" not in err
    assert bad.read_bytes() == content and not (tmp_path / "bad").exists()


def test_truncated_file_keeps_input_and_leaves_no_output(text_file: Path, capsys) -> None:
    assert run(str(text_file)) == 0
    packed = text_file.with_name("a.txt.rnz")
    packed.write_bytes(packed.read_bytes()[:-10])
    assert main(["-d", str(packed)]) == 1
    assert "ended" in capsys.readouterr().err
    assert packed.exists() and not text_file.exists()
    assert [p.name for p in text_file.parent.iterdir()] == ["a.txt.rnz"]  # no temporary left


def test_corrupt_payload(text_file: Path, capsys) -> None:
    assert run(str(text_file)) == 0
    packed = text_file.with_name("a.txt.rnz")
    data = bytearray(packed.read_bytes())
    data[-9] ^= 1
    packed.write_bytes(bytes(data))
    assert main(["-d", str(packed)]) == 1
    assert "corrupt" in capsys.readouterr().err


def test_missing_directory_unreadable(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path / "missing")]) == 1
    assert "No such file" in capsys.readouterr().err
    assert main([str(tmp_path)]) == 1
    assert "is a directory" in capsys.readouterr().err


def test_unreadable_file(tmp_path: Path, capsys, monkeypatch) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_bytes(b"secret")

    def denied(*args, **kwargs):  # chmod 0 does not stop root, so deny the open itself
        raise PermissionError(13, "Permission denied", str(locked))

    monkeypatch.setattr("rnnzip.cli.open", denied, raising=False)
    assert main([str(locked)]) == 1
    assert "locked.txt: Permission denied" in capsys.readouterr().err
    assert locked.read_bytes() == b"secret" and [p.name for p in tmp_path.iterdir()] == ["locked.txt"]


def test_wrong_suffix_and_usage_errors(text_file: Path, capsys) -> None:
    assert main(["-d", str(text_file)]) == 1
    assert "unknown suffix" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["--hidden-size", "0", str(text_file)])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["--model", "nope", str(text_file)])
    assert exc.value.code == 2


def test_stdin_to_stdout(monkeypatch, capsysbinary) -> None:
    data = sample(700)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert run("-c", "-") == 0
    packed = capsysbinary.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(packed)))
    assert main(["-d", "-c"]) == 0
    assert capsysbinary.readouterr().out == data


@pytest.mark.slow
def test_real_subprocess(tmp_path: Path) -> None:
    data = sample(900)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    packed = subprocess.run(
        [sys.executable, "-m", "rnnzip", "-c", *TINY_ARGS], input=data, capture_output=True, check=True, env=env
    ).stdout
    result = subprocess.run([sys.executable, "-m", "rnnzip", "-d", "-c"], input=packed, capture_output=True, env=env)
    assert result.returncode == 0 and result.stdout == data
    bad = subprocess.run([sys.executable, "-m", "rnnzip", "-d", "-c"], input=b"junk", capture_output=True, env=env)
    assert bad.returncode == 1 and bad.stderr.decode().strip().count("\n") == 0


def test_list_reads_the_alphabet_from_the_payload(text_file: Path, capsys) -> None:
    assert run("-k", "--model", "hybrid-6", str(text_file)) == 0
    capsys.readouterr()
    assert run("-l", str(text_file) + ".rnz") == 0
    assert f" {len(set(text_file.read_bytes()))} symbols," in capsys.readouterr().out
