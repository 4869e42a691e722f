"""Pins the vector ISA of torch's CPU kernels: imported before torch, by `import rnnzip`.

ATen (Sleef), oneDNN and MKL pick their vector ISA once, when torch loads, and float results
differ between AVX2 and AVX-512. rnnzip pins all three to AVX2, which every x86-64 CPU of the
last decade has, so a file made on an AVX-512 machine decodes on an AVX2 one (numerics.py).
"""

from __future__ import annotations

import os
import sys

PINNED_ENVIRONMENT = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "MKL_CBWR": "AVX2",
}


def pin_environment() -> None:
    """Pin the vector ISA unless the user chose one; no effect once torch is loaded."""
    if "torch" in sys.modules:
        return
    for key, value in PINNED_ENVIRONMENT.items():
        os.environ.setdefault(key, value)


pin_environment()
