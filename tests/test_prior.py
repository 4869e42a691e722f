"""The prior: levels 6-9 start their network from it, the header records which prior, another
installation's prior or none refuses the frame in one line, --no-prior gives the levels without it."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

import rnnzip
from conftest import sample
from rnnzip import prior
from rnnzip.bitwise.lstm import load_weights, lstm_forward, lstm_next, new_lstm
from rnnzip.cli import main
from rnnzip.contract import PRESETS
from rnnzip.errors import BadRnnzipFile
from rnnzip.format import MAGIC, read_header

DATA = sample(2500)


def test_default_level_starts_from_the_prior_and_records_it() -> None:
    packed = rnnzip.compress(DATA)
    header = read_header(io.BytesIO(packed))
    assert header is not None and header.config is not None
    assert header.config.prior == 1 and header.prior_id == prior.prior_id() != 0
    assert packed[len(MAGIC)] == 5  # the first version with a prior
    assert rnnzip.decompress(packed) == DATA
    without = rnnzip.compress(DATA, use_prior=False)
    assert without == rnnzip.compress(DATA, model="level-6-no-prior")
    assert without[len(MAGIC)] == 4  # readable by rnnzip 0.3
    assert len(packed) < len(without)  # what the prior knows pays even on 2.5 KB


def test_the_prior_matches_the_levels_network() -> None:
    shape = prior.recipe()["architecture"]
    for level in range(6, 10):
        cfg = PRESETS[f"level-{level}"]
        assert cfg.prior == 1 and (cfg.hidden_size, cfg.num_layers) == (shape["hidden_size"], shape["num_layers"])
    assert len(prior.recipe()["corpus_sha256"]) == 64
    trained = prior.weights(shape["hidden_size"], shape["num_layers"])
    assert all(a.dtype == np.float32 and np.isfinite(a).all() for a in trained.values())


def test_another_prior_refuses_the_frame(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    packed = rnnzip.compress(DATA)
    monkeypatch.setattr(prior, "prior_id", lambda: 0x12345678)
    with pytest.raises(BadRnnzipFile, match=r"made with prior .*; this rnnzip's prior is 12345678"):
        rnnzip.decompress(packed)
    path = tmp_path / "a.rnz"
    path.write_bytes(packed)
    assert main(["-d", "-k", str(path)]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "made with prior" in err
    assert not (tmp_path / "a").exists()


def test_without_a_prior_installed_levels_6_9_say_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(prior, "prior_id", lambda: 0)
    with pytest.raises(Exception, match=r"no prior.*--no-prior"):
        rnnzip.compress(DATA)
    path = tmp_path / "a.txt"
    path.write_bytes(DATA)
    assert main(["-k", str(path)]) == 1 and "--no-prior" in capsys.readouterr().err
    assert main(["-k", "--no-prior", str(path)]) == 0
    assert rnnzip.decompress((tmp_path / "a.txt.rnz").read_bytes()) == DATA


@pytest.mark.parametrize("frozen", [1, 2])
def test_frozen_layers_keep_the_prior_s_weights(frozen: int) -> None:
    shape = prior.recipe()["architecture"]
    net = new_lstm(shape["hidden_size"], shape["num_layers"], 20, 1, 0.002, 0.002, 0.999, 10.0)
    load_weights(net, prior.weights(shape["hidden_size"], shape["num_layers"]), frozen)
    gates, embed, output = net.weights.copy(), net.embed.copy(), net.output.copy()
    lstm_forward(net, 0, 0)
    for byte in DATA[:200]:
        lstm_next(net, byte)
    for layer in range(shape["num_layers"]):
        kept = (net.weights[layer] == gates[layer]).all() and (net.embed[layer] == embed[layer]).all()
        assert kept == (layer < frozen)
    assert not (net.output == output).all()


@pytest.mark.parametrize(
    "params", [{"level": 9, "frozen_layers": 3}, {"model": "level-9-no-prior", "frozen_layers": 1}]
)
def test_frozen_layers_need_the_prior_and_that_many_layers(params: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="frozen_layers keeps layers of the prior"):
        rnnzip.compress(DATA[:100], **params)  # type: ignore[arg-type]


def test_list_names_the_prior_or_its_absence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(DATA)
    assert main(["-k", str(path)]) == 0 and main(["-l", str(path) + ".rnz"]) == 0
    assert f"level 6 with the prior {prior.prior_id():08x}" in capsys.readouterr().out
    assert main(["-k", "-f", "-9", "--no-prior", str(path)]) == 0 and main(["-l", str(path) + ".rnz"]) == 0
    assert "level 9 with the engine's cifg network, without the prior" in capsys.readouterr().out
