"""prior/train_torch.py: its PyTorch network is the engine's (the same distributions from the same
weights), and a short run writes a checkpoint that export.py's path and the engine read, from which
it resumes."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from conftest import sample  # noqa: E402
from rnnzip import prior  # noqa: E402
from rnnzip.bitwise.lstm import lstm_forward  # noqa: E402

PRIOR = Path(__file__).resolve().parents[1] / "prior"
sys.path.insert(0, str(PRIOR))
import train  # noqa: E402
import train_torch  # noqa: E402

CORPUS = train.CORPUS


def test_the_pytorch_network_is_the_engines() -> None:
    weights = prior.weights(128, 2)
    model = train_torch.Cifg(128, 2)
    model.load_engine(weights)
    arrays = model.engine_arrays()
    assert all(np.array_equal(arrays[name], weights[name]) for name in ("weights", "embed", "output"))
    text = np.frombuffer(sample(400), dtype=np.uint8).astype(np.int64)
    net = train.engine_network(weights)
    engine = []
    for byte in [0, *text[:-1]]:  # the engine reads the previous byte and gives the next one's distribution
        lstm_forward(net, 0, byte)
        engine.append(net.probs[0].copy())
    inputs = torch.from_numpy(np.array([0, *text[:-1]]))[:, None]
    with torch.no_grad():
        logits, _ = model(inputs, (torch.zeros(2, 1, 128), torch.zeros(2, 1, 128)))
    probs = torch.softmax(logits[:, 0], dim=1).numpy()
    # the engine's activations are rational and polynomial approximations (within 1e-4 of tanh)
    assert np.abs(probs - np.array(engine)).max() < 2e-3
    assert not np.allclose(probs[1:], probs[:-1])  # the distributions follow the text


@pytest.mark.slow
@pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").exists(), reason="needs ../shared/prior-corpus")
def test_a_short_run_learns_checkpoints_and_resumes(tmp_path: Path) -> None:
    def run(passes: float, *more: str, out: Path = tmp_path) -> str:
        command = [sys.executable, str(PRIOR / "train_torch.py"), "--limit", "65536", "--batch", "8", "--steps", "32",
                   "--lr", "0.01", "--passes", str(passes), "--out", str(out), "--log", str(out / "log.tsv"),
                   "--threads", "1", "--held-out", "8192", "--calibrate", "32768", *more]  # fmt: skip
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    run(1)
    first = dict(np.load(tmp_path / "latest.npz"))
    assert "resumed" in run(2)
    second = dict(np.load(tmp_path / "latest.npz"))
    assert second["position"] == 2 * first["position"] > 0
    log = (tmp_path / "log.tsv").read_text().splitlines()
    assert len(log) == 3
    english = float(log[-1].split("\t")[2])
    assert english < 6  # after 128 KB from random weights: it has learnt (uniform: 8 bits a byte; 4.0 measured)
    assert math.isfinite(float(first["rms_output"].sum())) and first["rms_output"].any()  # Adam's moments measured
    assert "train_torch.py" in second["trainer"].tobytes().decode()
    # a run from a checkpoint records how that checkpoint was made before its own command
    run(0.25, "--init", str(tmp_path / "latest.npz"), out=tmp_path / "from")
    recipe = train.provenance(dict(np.load(tmp_path / "from" / "latest.npz")))
    assert recipe.startswith(train.provenance(second) + "; then prior/train_torch.py ")
    assert recipe.endswith(" (16,384 bytes)")


def test_a_grown_network_starts_as_the_smaller_one() -> None:
    weights = prior.weights(128, 2)
    small, grown = train_torch.Cifg(128, 2), train_torch.Cifg(160, 2)
    small.load_engine(weights)
    grown.load_engine(weights)
    inputs = torch.from_numpy(np.frombuffer(sample(300), dtype=np.uint8).astype(np.int64))[:, None]
    with torch.no_grad():
        before, _ = small(inputs, (torch.zeros(2, 1, 128), torch.zeros(2, 1, 128)))
        after, _ = grown(inputs, (torch.zeros(2, 1, 160), torch.zeros(2, 1, 160)))
    assert torch.equal(before, after)
    assert grown.own[:, :128, 128:160].abs().sum() > 0  # the new cells read the old ones (random weights)
    with pytest.raises(ValueError, match="cannot start"):
        train_torch.Cifg(64, 2).load_engine(weights)
