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

TINY_ARGS = ["--no-prior", "--hidden-size", "16", "--embed-size", "8", "--seq-length", "8", "--batch-size", "4"]


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
    assert run("-l", "-v", packed) == 0
    out = capsys.readouterr().out
    default = PRESETS["level-6"]
    assert "custom level" in out and "1,500" in out  # TINY_ARGS' batch size makes it custom
    assert f"batch_size=4, cm_bits={default.cm_bits}, cm_contexts={default.cm_contexts}" in out
    assert run("-k", "-f", "--model", "lstm", str(text_file)) == 0 and run("-l", "-v", packed) == 0
    assert "custom settings (lstm network)" in (out := capsys.readouterr().out) and "hidden_size=16" in out
    assert "made with torch 2" in out
    assert main(["-1", "-k", "-f", str(text_file)]) == 0 and main(["-l", packed]) == 0
    out = capsys.readouterr().out
    assert "\n  level 1, 1,500 -> " in out and out.endswith(", decoding needs about 196 MB\n")
    assert "hidden_size" not in out and "torch" not in out and "cm_bits" not in out


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
    assert f"byte-level engine, {len(set(text_file.read_bytes()))} byte values" in capsys.readouterr().out


def test_fast_best_and_suffix(text_file: Path) -> None:
    assert main(["--fast", "-k", "-S", ".z", str(text_file)]) == 0
    packed = Path(str(text_file) + ".z")
    assert read_header(io.BytesIO(packed.read_bytes())).config == PRESETS["level-1"].with_overrides(batch_size=1)
    assert main(["--best", "-k", "-f", "--suffix", ".z", str(text_file)]) == 0
    assert read_header(io.BytesIO(packed.read_bytes())).config == PRESETS["level-9"].with_overrides(batch_size=1)
    original = text_file.read_bytes()
    text_file.unlink()
    assert main(["-d", "-S", ".z", str(packed)]) == 0 and text_file.read_bytes() == original
    with pytest.raises(SystemExit):
        main(["-S", "", str(text_file)])


def test_recursive_as_gzip(tmp_path: Path) -> None:
    files = {tmp_path / "a.txt": sample(300), tmp_path / "sub" / "b.txt": sample(500), tmp_path / "sub" / "c.rnz": b""}
    for path, content in files.items():
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content)
    assert main(["-1", "-r", str(tmp_path)]) == 0  # c.rnz already has the suffix: left alone
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.txt.rnz", "b.txt.rnz", "c.rnz", "sub"]
    (tmp_path / "sub" / "c.rnz").unlink()
    assert main(["-d", "-r", str(tmp_path)]) == 0
    assert (tmp_path / "a.txt").read_bytes() == sample(300) and (tmp_path / "sub" / "b.txt").read_bytes() == sample(500)
    assert main([str(tmp_path)]) == 1  # without -r a directory is refused


def test_stdout_from_a_fifo_but_never_an_output_beside_it(tmp_path: Path, capsysbinary) -> None:
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    data = sample(2000)

    def feed() -> None:
        with open(fifo, "wb") as f:
            f.write(data)

    writer = threading.Thread(target=feed)
    writer.start()
    assert main(["-1", "-c", str(fifo)]) == 0
    writer.join()
    from rnnzip import decompress

    assert decompress(capsysbinary.readouterr().out) == data
    assert main(["-1", str(fifo)]) == 1  # would write pipe.rnz and remove the pipe
    assert "not a regular file" in capsysbinary.readouterr().err.decode()


def test_list_totals_and_sizes_from_stdin(text_file: Path, monkeypatch, capsys) -> None:
    assert main(["-1", "-k", str(text_file)]) == 0
    packed = Path(str(text_file) + ".rnz")
    second = text_file.with_name("b.txt.rnz")
    second.write_bytes(packed.read_bytes())
    assert main(["-l", str(packed), str(second)]) == 0
    lines = capsys.readouterr().out.splitlines()
    size = packed.stat().st_size
    assert lines[0].split() == ["compressed", "uncompressed", "ratio", "bits/byte", "frames", "name"]
    assert lines[-1].split()[:2] == [f"{2 * size:,}", "3,000"] and lines[-1].endswith("(totals)")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(packed.read_bytes())))
    assert main(["-l"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[:2] == [f"{size:,}", "1,500"]  # all of it


def test_an_unwritable_output_is_named(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "a.txt").write_bytes(sample(300))

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("rnnzip.files.tempfile.mkstemp", denied)
    assert main(["-1", str(tmp_path / "a.txt")]) == 1
    assert f"{tmp_path / 'a.txt.rnz'}: cannot create: Permission denied" in capsys.readouterr().err


def test_no_progress_redraws_in_a_log(text_file: Path, capsys) -> None:
    assert main(["-1", "-v", "-k", str(text_file)]) == 0  # stderr is not a terminal here
    err = capsys.readouterr().err
    assert "\r" not in err and err.count("\n") == 1 and "1,500 ->" in err


def test_short_help_and_help_all(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["-h"])
    short = capsys.readouterr().out
    assert "--hidden-size" not in short and "--help-all" in short and "rnnzip bench" in short
    assert max(len(line) for line in short.splitlines()) <= 100 and len(short.splitlines()) < 50
    assert main(["--help-all"]) == 0
    assert "--hidden-size" in capsys.readouterr().out


def test_the_first_run_is_announced_once_on_a_terminal(monkeypatch, capsys) -> None:
    from rnnzip import cli
    from rnnzip.bitwise import kernel

    args = cli.build_parser().parse_args([])
    args.action, config = "compress", PRESETS["level-6"]
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setattr(kernel, "compiled_here", lambda: False)
    cli._announce_compiling(args, config)
    assert "preparing the engine for this machine" in capsys.readouterr().err
    monkeypatch.setattr(kernel, "compiled_here", lambda: True)
    cli._announce_compiling(args, config)
    assert capsys.readouterr().err == ""


def test_a_progress_bar_on_a_terminal_both_ways(text_file: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["-1", "-v", "-k", str(text_file)]) == 0
    assert "/1.50k [" in capsys.readouterr().err  # counts to the input's size
    text_file.unlink()
    assert main(["-d", "-v", str(text_file) + ".rnz"]) == 0
    assert "/1.50k [" in capsys.readouterr().err  # to the frames' original length, from their headers
