"""Networks, built from a config by the traits of its network family (contract.NETWORKS)."""

from __future__ import annotations

from ..contract import NETWORKS, ModelConfig
from .recurrent import RecurrentNet
from .window import WindowNet


def build_network(cfg: ModelConfig, vocab: int) -> RecurrentNet | WindowNet:
    """The untrained network of cfg for a vocabulary of `vocab` symbols."""
    net = NETWORKS[cfg.network]
    if net.stateful:
        return RecurrentNet(net.cell, vocab, cfg, attention=net.attention)
    return WindowNet(net.cell, vocab, cfg)
