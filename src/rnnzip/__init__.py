"""rnnzip: lossless text compression by models that learn while they code: a bitwise context-mixing
engine (levels 1-9) and recurrent networks (the PyTorch presets).

Importing rnnzip loads neither torch nor numba: they load when a frame is coded.
"""

from . import pinning as _pinning  # noqa: F401  (pins the vector ISA before torch can load)
from .api import (
    RnnzipCompressor,
    RnnzipDecompressor,
    RnnzipFile,
    compress,
    compress_file,
    compress_files,
    decompress,
    decompress_file,
    make_config,
    open,
)  # fmt: skip
from .contract import PRESETS, ModelConfig
from .errors import BadRnnzipFile, EnvironmentMismatch, RnnzipError

__version__ = "0.1.0"  # the one place: pyproject.toml reads it

__all__ = [
    "BadRnnzipFile", "EnvironmentMismatch", "ModelConfig", "PRESETS", "RnnzipCompressor",
    "RnnzipDecompressor", "RnnzipError", "RnnzipFile", "compress", "compress_file", "compress_files", "decompress",
    "decompress_file", "make_config",
    "open", "__version__",
]  # fmt: skip
