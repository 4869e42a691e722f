"""Online training steps: clipped Adam with a frame's learning-rate schedule."""

from __future__ import annotations

from typing import cast

import torch
from torch.optim.adam import adam

from .contract import ModelConfig


def learning_rates(cfg: ModelConfig, updates: int) -> list[float]:
    """Geometric decay from learning_rate to final_learning_rate over a frame's updates."""
    ratio = cfg.final_learning_rate / cfg.learning_rate
    last = max(1, updates - 1)
    return [cfg.learning_rate * ratio ** (k / last) for k in range(max(1, updates))]


class ClippedAdam:
    """Gradient-norm clipping, then torch's fused Adam kernel.

    It calls torch's functional `adam` with the state torch.optim.Adam(fused=True) keeps, so
    the weights are the same to the bit (tests/test_models.py checks it). A torch.optim
    optimizer would import torch._dynamo on first use: 1.7 s of start-up in every process.
    """

    def __init__(self, params: list[torch.nn.Parameter], betas: tuple[float, float], clip: float) -> None:
        self.params, self.betas, self.clip = params, betas, clip
        self.exp_avgs = [torch.zeros_like(p) for p in params]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in params]
        self.steps = [torch.zeros((), dtype=torch.float32, device=p.device) for p in params]

    def step(self, loss: torch.Tensor, lr: float) -> None:
        for p in self.params:
            p.grad = None
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, self.clip)
        live = [i for i, p in enumerate(self.params) if p.grad is not None]  # as torch.optim skips
        with torch.no_grad():
            adam(
                [self.params[i] for i in live],
                [cast(torch.Tensor, self.params[i].grad) for i in live],
                [self.exp_avgs[i] for i in live],
                [self.exp_avg_sqs[i] for i in live],
                [],
                [self.steps[i] for i in live],
                fused=True,
                amsgrad=False,
                beta1=self.betas[0],
                beta2=self.betas[1],
                lr=lr,
                weight_decay=0.0,
                eps=1e-8,
                maximize=False,
            )


class Trainer:
    """One clipped Adam step per call, at the learning rate the frame's schedule gives it."""

    def __init__(self, net: torch.nn.Module, cfg: ModelConfig, updates: int) -> None:
        self.adam = ClippedAdam(list(net.parameters()), (cfg.beta1, cfg.beta2), cfg.clip)
        self.rates, self.done = learning_rates(cfg, updates), 0

    def update(self, loss: torch.Tensor) -> None:
        self.adam.step(loss, self.rates[min(self.done, len(self.rates) - 1)])
        self.done += 1
