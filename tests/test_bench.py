"""The benchmark harness on a tiny corpus: complete rows, verified round trips, FAILED reported."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import sample
from rnnzip.bench.cli import main
from rnnzip.bench.report import pareto

FAKE = """
from adapters import Codec
corrupting = Codec("corrupting", lambda d: d, lambda d: d[:-1] + b"?")
"""


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_bytes(sample(600))
    (folder / "b.txt").write_bytes(b"hello hello hello " * 20)
    return folder


def test_rows_complete_and_verified(tiny_corpus: Path, tmp_path: Path, capsys) -> None:
    out, plot = tmp_path / "r.json", tmp_path / "p.png"
    status = main(
        [
            str(tiny_corpus),
            "--codecs",
            "gzip,bzip2,xz,rnnzip:1",
            "--format",
            "json",
            "--out",
            str(out),
            "--plot",
            str(plot),
            "--limit",
            "400",
        ]
    )
    assert status == 0
    result = json.loads(out.read_text())
    rows = result["rows"]
    assert len(rows) == 8 and {r["file"] for r in rows} == {"corpus/a.txt", "corpus/b.txt"}
    for r in rows:
        assert r["status"] == "ok" and r["original"] <= 400 and r["compressed"] > 0
        assert r["c_wall"] > 0 and r["d_wall"] is not None and r["peak_mb"] > 0
    assert "torch" in result["machine"] and plot.stat().st_size > 1000
    assert "[8/8]" in capsys.readouterr().err


def test_corrupting_codec_is_reported_failed(tiny_corpus: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "fake_codec.py").write_text(FAKE)
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    status = main([str(tiny_corpus / "a.txt"), "--codecs", "gzip,python:fake_codec:corrupting"])
    out = capsys.readouterr().out
    assert status == 1
    assert "| corrupting |" in out and "FAILED" in out and "verified" in out


def test_pareto_front() -> None:
    assert pareto([(1, 2.0), (10, 3.0), (5, 2.5), (2, 3.5)]) == [(10, 3.0), (5, 2.5), (1, 2.0)]
