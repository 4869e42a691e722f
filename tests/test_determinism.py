"""Same input, same bytes: across processes and whatever thread count the caller set."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

import rnnzip
from conftest import TINY_HYBRID, TINY_NETWORK, sample

SCRIPT = """
import sys, torch, rnnzip
torch.set_num_threads(int(sys.argv[1]))
data = sys.stdin.buffer.read()
if sys.argv[2] == "c":
    sys.stdout.buffer.write(rnnzip.compress(data, **{**{TINY_HYBRID!r}, "model": sys.argv[3]}))
else:
    sys.stdout.buffer.write(rnnzip.decompress(data))
"""


def in_process(threads: int, mode: str, data: bytes, model: str = "lstm-att") -> bytes:
    code = SCRIPT.replace("{TINY_HYBRID!r}", repr(TINY_HYBRID))
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-c", code, str(threads), mode, model], input=data, capture_output=True, check=True, env=env
    ).stdout


@pytest.mark.slow
def test_same_bytes_in_two_processes_and_thread_settings() -> None:
    data = sample(2500)
    here = rnnzip.compress(data, **{**TINY_HYBRID, "model": "lstm-att"})
    assert in_process(1, "c", data) == here
    assert in_process(2, "c", data) == here
    assert in_process(2, "d", here) == data


def test_caller_thread_setting_does_not_matter_and_is_restored() -> None:
    data = sample(1500)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        two = rnnzip.compress(data, **{**TINY_NETWORK, "model": "gru"})
        assert torch.get_num_threads() == 2
        torch.set_num_threads(1)
        assert rnnzip.compress(data, **{**TINY_NETWORK, "model": "gru"}) == two
        torch.set_num_threads(2)
        assert rnnzip.decompress(two) == data
    finally:
        torch.set_num_threads(before)


def test_global_rng_untouched() -> None:
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    rnnzip.compress(sample(300), **TINY_NETWORK)
    assert torch.equal(torch.rand(3), expected)


def test_coding_does_not_import_torch_compile_machinery() -> None:
    """torch.optim optimizers import torch._dynamo (and sympy) on first use: 1.7 s of start-up
    in every process, paid by every small file. rnnzip's optimizer and probe avoid it."""
    code = (
        "import sys, rnnzip; data = b'start-up ' * 200; "
        "assert rnnzip.decompress(rnnzip.compress(data, level=1)) == data; "
        "print(sorted(m for m in ('torch._dynamo', 'sympy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
