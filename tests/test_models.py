"""The networks' fast prediction step against torch's own recurrent layers, the optimizer
against torch's, and stream counts."""

from __future__ import annotations

import copy

import pytest
import torch

from rnnzip.contract import PRESETS
from rnnzip.frames import auto_batch_size
from rnnzip.models import build_network
from rnnzip.training import ClippedAdam


@pytest.mark.parametrize("network", ["lstm", "gru", "lstm-att"])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("gate_table", [False, True])
def test_prediction_step_matches_the_training_forward(network: str, layers: int, gate_table: bool) -> None:
    """The hand-written step (used to predict) must compute what torch's layer (used to train)
    computes, with or without the per-symbol input-gate table; else training fits another model."""
    torch.manual_seed(0)
    cfg = PRESETS[network].with_overrides(hidden_size=24, embed_size=8, num_layers=layers, attention_window=4)
    net = build_network(cfg, 11)
    if gate_table:
        net.input_gates = net.input_gates_table()
    symbols = torch.randint(0, 11, (6, 3))
    state = net.initial_state(3, "cpu")
    with torch.no_grad():
        expected, _ = net(symbols, state)  # T = 6: torch's layer
        steps = []
        for t in range(6):  # T = 1 under no_grad: the fast step
            logits, state = net(symbols[t : t + 1], state)
            steps.append(logits[0])
    torch.testing.assert_close(torch.stack(steps), expected, rtol=1e-5, atol=1e-5)


def test_stream_count_grows_with_the_input_within_limits() -> None:
    assert auto_batch_size(1) == 4
    assert auto_batch_size(100_000) == 8  # enwik5
    assert auto_batch_size(400_000) == 8
    assert auto_batch_size(1_000_000) == 16  # enwik6
    assert auto_batch_size(10**9) == 32


def test_clipped_adam_matches_torch_optim_adam_to_the_bit() -> None:
    """ClippedAdam calls the fused kernel itself (torch.optim would import torch._dynamo, 1.7 s);
    it must train exactly as torch.optim.Adam(fused=True), skipping a parameter with no gradient."""
    torch.manual_seed(0)
    ours = (torch.nn.LSTM(8, 16), torch.nn.Linear(16, 5), torch.nn.Linear(3, 3))
    theirs = copy.deepcopy(ours)
    adam = ClippedAdam([p for m in ours for p in m.parameters()], betas=(0.0, 0.9999), clip=0.05)
    opt = torch.optim.Adam([p for m in theirs for p in m.parameters()], betas=(0.0, 0.9999), fused=True)
    x, target = torch.randn(5, 2, 8), torch.randint(0, 5, (5, 2))

    def loss(lstm, head, _unused):
        return torch.nn.functional.cross_entropy(head(lstm(x)[0]).flatten(0, 1), target.flatten())

    for lr in (1e-2, 5e-3, 1e-3):
        adam.step(loss(*ours), lr)
        opt.zero_grad(set_to_none=True)
        loss(*theirs).backward()
        torch.nn.utils.clip_grad_norm_([p for m in theirs for p in m.parameters()], 0.05)
        opt.param_groups[0]["lr"] = lr
        opt.step()
    ours_params, theirs_params = ([p for m in net for p in m.parameters()] for net in (ours, theirs))
    for a, b in zip(ours_params, theirs_params, strict=True):
        assert torch.equal(a, b)
