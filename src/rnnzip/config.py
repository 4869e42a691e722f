"""The hyperparameters of one model frame, and the limits a decoder accepts for them."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

from .errors import RnnzipError


@dataclass(frozen=True)
class ModelConfig:
    network: str = "lstm"            # registered network name (models.NETWORKS)
    batch_size: int = 0              # parallel streams B; 0 = choose from the input length
    seq_length: int = 20             # T: steps between training steps (truncated BPTT length);
                                     #    for window networks, the window length
    hidden_size: int = 256           # recurrent state width H
    num_layers: int = 1              # stacked recurrent layers L
    embed_size: int = 64             # byte embedding width E
    attention_window: int = 16       # W: top-layer outputs attended to (attention networks only)
    learning_rate: float = 1e-2      # Adam learning rate at the start of a frame
    final_learning_rate: float = 2e-3  # reached at the frame's last training step (geometric decay)
    beta1: float = 0.0               # Adam betas; beta1 = 0 as in tensorflow-compress
    beta2: float = 0.9999
    clip: float = 1.0                # gradient norm clip
    seed: int = 1234                 # weight initialisation seed
    context_order: int = 0           # hybrid: context models of orders 1..N (0 = none)
    table_bits: int = 18             # hybrid: log2 rows of each hashed context table (orders > 2)
    match_min: int = 0               # hybrid: match model's minimum context length (0 = none)

    def with_overrides(self, **overrides: Any) -> ModelConfig:
        """A copy with the non-None overrides applied (the CLI passes None for unset options)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# Limits a header must respect before anything is allocated (a corrupt or hostile header must
# not make the decoder allocate gigabytes or run for days).
MAX_BATCH = 4096
MAX_SEQ_LENGTH = 1024
MAX_WIDTH = 4096
MAX_LAYERS = 8
MAX_WINDOW = 1024
MAX_PARAMETERS = 60_000_000   # the seed-lstm-att preset has about 39 million
MAX_ORDER = 8
MAX_TABLE_BYTES = 1 << 30


def estimated_parameters(cfg: ModelConfig, vocab: int = 256) -> int:
    """An upper bound on the network's parameter count, computed without building it."""
    gates = 4 if "lstm" in cfg.network else 3
    directions = 2 if cfg.network.startswith("seed-") else 1
    h, e = cfg.hidden_size, cfg.embed_size
    total = (vocab + 1) * e
    width_in = e
    for _ in range(cfg.num_layers):
        total += directions * gates * h * (width_in + h + 2)
        width_in = directions * h
    return total + 2 * width_in * (width_in + vocab + 1)


def validate(cfg: ModelConfig) -> ModelConfig:
    """Raise RnnzipError naming the first field outside its limits; return cfg otherwise."""
    from .models import NETWORKS  # late imports: models import torch
    from .predictors.context import ContextModels

    checks = [
        ("network", cfg.network in NETWORKS, f"one of {', '.join(sorted(NETWORKS))}"),
        ("batch_size", 0 <= cfg.batch_size <= MAX_BATCH, f"0..{MAX_BATCH}"),
        ("seq_length", 1 <= cfg.seq_length <= MAX_SEQ_LENGTH, f"1..{MAX_SEQ_LENGTH}"),
        ("hidden_size", 1 <= cfg.hidden_size <= MAX_WIDTH, f"1..{MAX_WIDTH}"),
        ("num_layers", 1 <= cfg.num_layers <= MAX_LAYERS, f"1..{MAX_LAYERS}"),
        ("embed_size", 1 <= cfg.embed_size <= MAX_WIDTH, f"1..{MAX_WIDTH}"),
        ("attention_window", 2 <= cfg.attention_window <= MAX_WINDOW, f"2..{MAX_WINDOW}"),
        ("learning_rate", 0 < cfg.learning_rate <= 1, "in (0, 1]"),
        ("final_learning_rate", 0 < cfg.final_learning_rate <= 1, "in (0, 1]"),
        ("beta1", 0 <= cfg.beta1 < 1, "in [0, 1)"),
        ("beta2", 0 <= cfg.beta2 < 1, "in [0, 1)"),
        ("clip", 0 < cfg.clip <= 1e6 and math.isfinite(cfg.clip), "in (0, 1e6]"),
        ("seed", 0 <= cfg.seed < 2**32, "0..2**32-1"),
        ("context_order", 0 <= cfg.context_order <= MAX_ORDER, f"0..{MAX_ORDER}"),
        ("table_bits", 10 <= cfg.table_bits <= 24, "10..24"),
        ("match_min", cfg.match_min == 0 or 2 <= cfg.match_min <= 8, "0 or 2..8"),
    ]
    for name, ok, allowed in checks:
        if not ok:
            raise RnnzipError(f"{name}={getattr(cfg, name)!r} is out of range ({allowed})")
    if cfg.context_order and not NETWORKS[cfg.network].stateful:
        raise RnnzipError(f"{cfg.network} takes no context models (context_order must be 0)")
    if cfg.match_min and not cfg.context_order:
        raise RnnzipError("the match model is mixed with the context models: match_min needs context_order > 0")
    params = estimated_parameters(cfg)
    if params > MAX_PARAMETERS:
        raise RnnzipError(f"network too large: about {params:,} parameters (limit {MAX_PARAMETERS:,})")
    tables = ContextModels.memory_bytes(cfg.context_order, cfg.table_bits, 256)
    if tables > MAX_TABLE_BYTES:
        raise RnnzipError(f"context tables too large: {tables >> 20:,} MiB (limit {MAX_TABLE_BYTES >> 20:,})")
    return cfg
