"""Bit-exact floating point: what a file records of the machine, and the check against it.

Encoder and decoder must compute every probability to the last bit. Within one machine, float32
CPU results are identical across processes and at one intra-op thread. Across x86-64 machines
they change with the vector ISA that ATen (Sleef), oneDNN and MKL pick at run time (AVX2 vs
AVX-512). rnnzip therefore pins all three to AVX2, which every x86-64 CPU of the last decade has,
before torch is imported (pinning.py), and records in each frame the torch version, the ISA that ATen runs
with, the device and a probe: a hash of a small computation using the same kernels as the
networks. A decoder whose environment differs refuses at once, naming what differs.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator
from functools import cache

import torch

from . import pinning  # noqa: F401  (pins the vector ISA: must come before torch)
from .errors import EnvironmentMismatch, RnnzipError
from .format import CAPABILITIES, Environment

CODING_THREADS = 1  # intra-op threads while coding: bit-exact and fastest for these small matrices


def torch_version() -> tuple[int, int, int]:
    parts = torch.__version__.split("+")[0].split(".")
    major, minor, patch = (int("".join(c for c in p if c.isdigit()) or 0) for p in [*parts, "0", "0"][:3])
    return major, minor, patch


def cpu_capability(device: str) -> str:
    if device == "cuda":
        return "CUDA"
    name = torch.backends.cpu.get_cpu_capability()
    return name if name in CAPABILITIES else "UNKNOWN"


@contextlib.contextmanager
def coding_threads() -> Iterator[None]:
    """Run with the recorded intra-op thread count and oneDNN enabled (its RNN kernels train
    fastest), whatever the caller had set; restore the caller's settings after."""
    threads, mkldnn = torch.get_num_threads(), torch.backends.mkldnn.enabled
    torch.set_num_threads(CODING_THREADS)
    torch.backends.mkldnn.enabled = True  # type: ignore[assignment]  # a module-level flag
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.backends.mkldnn.enabled = mkldnn


@cache
def probe(device: str) -> int:
    """Hash the float bits of a small LSTM step, backward pass, softmax and clipped Adam update.

    It runs the kernels the networks run (sgemm, sigmoid/tanh, exp/log, sqrt, fused Adam), so
    two machines that agree on it very likely agree on the whole model; the other recorded
    fields catch the rest.
    """
    from .training import ClippedAdam  # imports torch: only after pinning

    with coding_threads(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(20261125)
        lstm = torch.nn.LSTM(24, 64).to(device)
        head = torch.nn.Linear(64, 200).to(device)
        opt = ClippedAdam([*lstm.parameters(), *head.parameters()], betas=(0.0, 0.9999), clip=1.0)
        x = torch.randn(5, 8, 24).to(device)
        target = torch.randint(0, 200, (5, 8)).to(device)
        for _ in range(2):
            y, _ = lstm(x)
            logits = head(y)
            opt.step(torch.nn.functional.cross_entropy(logits.reshape(-1, 200), target.reshape(-1)), lr=1e-2)
        probs = torch.softmax(logits.detach(), -1)
        blob = b"".join(t.detach().cpu().numpy().tobytes() for t in (probs, *lstm.parameters()))
    return zlib.crc32(blob) & 0xFFFF


def current_environment(device: str) -> Environment:
    return Environment(torch_version(), cpu_capability(device), device, CODING_THREADS, probe(device))


def resolve_device(requested: str) -> str:
    """Map cpu|cuda|auto to the device to compress on."""
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise RnnzipError("device 'cuda' requested but CUDA is not available")
    return requested


def require(recorded: Environment, requested_device: str = "auto") -> str:
    """Return the device to decode on, or raise EnvironmentMismatch naming what differs."""
    if requested_device not in ("auto", recorded.device):
        raise EnvironmentMismatch(
            f"the file was compressed on {recorded.device}; decode it with --device {recorded.device}"
        )
    if recorded.device == "cuda" and not torch.cuda.is_available():
        raise EnvironmentMismatch("the file was compressed on CUDA, which this machine does not have")
    here = current_environment(recorded.device)
    if here != recorded:
        differs = [
            name
            for name in ("torch_version", "capability", "threads", "probe")
            if getattr(here, name) != getattr(recorded, name)
        ]
        raise EnvironmentMismatch(
            f"cannot decode on this machine: {', '.join(differs)} differ (file: {recorded.describe()}, "
            f"probe {recorded.probe:04x}; here: {here.describe()}, probe {here.probe:04x})"
        )
    return recorded.device
