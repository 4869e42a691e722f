"""Networks, registered under stable names and stable ids (the ids are part of the file format)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import nn

from ..config import ModelConfig
from .recurrent import RecurrentNet
from .window import WindowNet


@dataclass(frozen=True)
class NetworkSpec:
    id: int                                        # stored in headers; never reused
    stateful: bool                                 # True: carries state; False: re-runs a window
    build: Callable[[ModelConfig, int], nn.Module]  # (config, vocabulary size) -> network


NETWORKS: dict[str, NetworkSpec] = {
    "lstm": NetworkSpec(1, True, lambda c, v: RecurrentNet("lstm", v, c, attention=False)),
    "gru": NetworkSpec(2, True, lambda c, v: RecurrentNet("gru", v, c, attention=False)),
    "lstm-att": NetworkSpec(3, True, lambda c, v: RecurrentNet("lstm", v, c, attention=True)),
    "gru-att": NetworkSpec(4, True, lambda c, v: RecurrentNet("gru", v, c, attention=True)),
    "seed-lstm-att": NetworkSpec(16, False, lambda c, v: WindowNet("lstm", v, c)),
    "seed-gru-att": NetworkSpec(17, False, lambda c, v: WindowNet("gru", v, c)),
}
NETWORK_BY_ID = {spec.id: name for name, spec in NETWORKS.items()}
