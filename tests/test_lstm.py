"""The engine's own network (bitwise/lstm.py): its activations, its gradients against finite
differences, that it learns, and that its numbers are the same bits under every numba CPU target."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numba import njit

import rnnzip
from conftest import TINY_CIFG, sample
from rnnzip.bitwise import activations
from rnnzip.bitwise.lstm import COUNT_SCALE, lstm_backward, lstm_forward, lstm_next, new_lstm
from rnnzip.contract import PRESETS, estimated_parameters


@njit
def _activations(x, pow2):  # pragma: no cover (compiled)
    out = np.empty((3, x.size), dtype=np.float32)
    for i in range(x.size):
        out[0, i] = activations.tanh(x[i])
        out[1, i] = activations.sigmoid(x[i])
        out[2, i] = activations.exp_negative(-abs(x[i]), pow2)
    return out


def test_activations_are_close_to_the_functions_they_stand_for() -> None:
    x = np.linspace(-90, 90, 200_001, dtype=np.float32)
    tanh, sigmoid, exp = _activations(x, activations.POW2_NEGATIVE).astype(np.float64)
    x64 = x.astype(np.float64)
    assert np.abs(tanh - np.tanh(x64)).max() < 1e-4
    assert np.abs(tanh - np.tanh(x64))[np.abs(x64) < 3].max() < 2e-6
    assert np.abs(sigmoid - 1 / (1 + np.exp(-x64))).max() < 1e-4
    reference = np.exp(-np.abs(x64))
    # float32 rounding of x log2(e) costs a relative error that grows with |x|; below e**-87, 0 (no denormals)
    assert (np.abs(exp - reference) <= (1e-6 + 6e-8 * np.abs(x64)) * reference + 1e-37).all()
    assert (np.diff(tanh[x64 >= 0]) >= 0).all()  # monotone: no wiggles that training could exploit


def _window_loss(net, h0, c0, inputs, targets) -> float:  # type: ignore[no-untyped-def]
    """The loss of a window run from state (h0, c0): the sum of -ln p(target)."""
    net.h[:], net.c[:] = h0, c0
    loss = 0.0
    for s, (byte, target) in enumerate(zip(inputs, targets, strict=True)):
        lstm_forward(net, s, byte)
        net.target[s] = target
        loss -= np.log(np.float64(net.probs[s, target]))
    return loss


def test_backpropagation_matches_finite_differences() -> None:
    net = new_lstm(6, 2, 8, 7, 0.02, 0.002, 0.9999, 10.0)
    rng = np.random.default_rng(1)
    net.embed[:] = rng.normal(0, 0.5, net.embed.shape).astype(np.float32)  # a trained-looking start
    net.output[-1] = rng.normal(0, 0.5, 256).astype(np.float32)
    h0 = rng.normal(0, 0.3, net.h.shape).astype(np.float32)
    c0 = rng.normal(0, 0.3, net.c.shape).astype(np.float32)
    inputs, targets = [3, 200, 7, 7, 3, 99, 200, 3], [200, 7, 7, 3, 99, 200, 3, 7]
    _window_loss(net, h0, c0, inputs, targets)
    lstm_backward(net, len(inputs))
    checks = [
        (net.weights, net.grad_weights, (0, 2, 1)), (net.weights, net.grad_weights, (1, 7, 14)),
        (net.weights, net.grad_weights, (1, 12, 3)), (net.weights, net.grad_weights, (0, 0, 17)),
        (net.embed, net.grad_embed, (0, 7, 5)), (net.embed, net.grad_embed, (1, 200, 10)),
        (net.output, net.grad_output, (3, 7)), (net.output, net.grad_output, (11, 200)),
        (net.output, net.grad_output, (12, 99)),
    ]  # fmt: skip
    for weights, grads, index in checks:
        analytic = float(grads[index])
        keep, eps = weights[index], np.float32(1e-2)
        weights[index] = keep + eps
        up = _window_loss(net, h0, c0, inputs, targets)
        weights[index] = keep - eps
        down = _window_loss(net, h0, c0, inputs, targets)
        weights[index] = keep
        numeric = (up - down) / (2 * float(eps))
        assert abs(analytic - numeric) <= 0.03 * abs(numeric) + 2e-3, (index, analytic, numeric)


@njit
def _cross_entropy(net, data):  # pragma: no cover
    bits = np.zeros(data.size)
    for t in range(data.size):
        counts = net.counts[0]
        bits[t] = np.log2(counts[256] / (counts[data[t] + 1] - counts[data[t]]))
        lstm_next(net, data[t])
    return bits


def test_it_learns_a_pattern_and_its_counts_are_a_distribution() -> None:
    net = new_lstm(32, 1, 10, 1, 0.02, 0.002, 0.9999, 10.0)
    lstm_forward(net, 0, 0)
    counts = net.counts[0]
    assert counts[0] == 0 and (np.diff(counts) >= 1).all() and counts[256] <= 257 + COUNT_SCALE
    data = np.frombuffer(b"the cat sat on the mat; " * 150, dtype=np.uint8).astype(np.int64)
    bits = _cross_entropy(net, data)
    assert bits[:24].mean() > 6  # nearly uniform at first
    assert bits[-480:].mean() < 0.5  # the repeated line, learnt


def test_parameter_count_is_what_the_network_holds() -> None:
    cfg = PRESETS["level-9"]
    net = new_lstm(cfg.hidden_size, cfg.num_layers, 20, 1, 0.02, 0.002, 0.9999, 10.0)
    assert estimated_parameters(cfg) == net.weights.size + net.embed.size + net.output.size


def test_frames_with_the_network_round_trip() -> None:
    for data in (b"a", b"ab" * 40, sample(6000), bytes(range(256)) * 3):
        packed = rnnzip.compress(data, **TINY_CIFG)
        assert rnnzip.decompress(packed) == data


# The network's numbers as bits: a frame made here decodes under other numba targets. A short run of
# the network alone (its counts after every byte, hashed) under each target the CPU can run, with a
# fresh numba cache, must give the hash computed here.
_HASH_COUNTS = """
import hashlib, sys
import numpy as np
from rnnzip.bitwise.lstm import lstm_forward, lstm_next, new_lstm
data = np.frombuffer(sys.stdin.buffer.read(), dtype=np.uint8)
net = new_lstm(24, 2, 8, 3, 0.02, 0.002, 0.9999, 10.0)
lstm_forward(net, 0, 0)
digest = hashlib.sha256()
for byte in data:
    lstm_next(net, int(byte))
    digest.update(net.counts.tobytes())
print(digest.hexdigest(), net.h.tobytes().hex()[:16])
"""


def _targets() -> list[str]:
    flags = set(Path("/proc/cpuinfo").read_text().split()) if Path("/proc/cpuinfo").exists() else set()
    targets = ["x86-64"]
    if {"avx2", "fma"} <= flags:
        targets.append("haswell")
    if {"avx512f", "avx512bw", "avx512vl"} <= flags:
        targets.append("skylake-avx512")
    return targets


def _hash_under(target: str | None, tmp_path: Path, data: bytes) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env["NUMBA_CACHE_DIR"] = str(tmp_path / (target or "host"))
    if target:
        env["NUMBA_CPU_NAME"] = target
    result = subprocess.run([sys.executable, "-c", _HASH_COUNTS], input=data, env=env, capture_output=True,
                            check=True)  # fmt: skip
    return result.stdout.decode()


@pytest.mark.skipif(sys.platform != "linux" or os.uname().machine != "x86_64", reason="x86-64 targets")
def test_network_is_the_same_bits_under_every_cpu_target(tmp_path: Path) -> None:
    data = sample(700)
    here = _hash_under(None, tmp_path, data)
    assert len(here.split()[0]) == 64
    for target in _targets():
        assert _hash_under(target, tmp_path, data) == here, target


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux" or os.uname().machine != "x86_64", reason="x86-64 targets")
def test_level_9_frame_decodes_under_every_cpu_target(tmp_path: Path) -> None:
    data = sample(3000)
    packed = tmp_path / "in.rnz"
    packed.write_bytes(rnnzip.compress(data, **TINY_CIFG))
    for target in _targets():
        env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
        env |= {"NUMBA_CACHE_DIR": str(tmp_path / target), "NUMBA_CPU_NAME": target}
        code = "import sys, rnnzip; sys.stdout.buffer.write(rnnzip.decompress(open(sys.argv[1], 'rb').read()))"
        result = subprocess.run([sys.executable, "-c", code, str(packed)], env=env, capture_output=True, check=True)
        assert hashlib.sha256(result.stdout).digest() == hashlib.sha256(data).digest(), target
