"""rnnzip: lossless compression with a recurrent network that trains online while it codes."""

from . import numerics as _numerics  # noqa: F401  (pins the vector ISA before torch loads)
from .api import RnnzipCompressor, RnnzipDecompressor, RnnzipFile, compress, decompress, make_config, open
from .config import ModelConfig
from .errors import BadRnnzipFile, EnvironmentMismatch, RnnzipError
from .presets import PRESETS

__version__ = "0.1.0"

__all__ = [
    "BadRnnzipFile", "EnvironmentMismatch", "ModelConfig", "PRESETS", "RnnzipCompressor",
    "RnnzipDecompressor", "RnnzipError", "RnnzipFile", "compress", "decompress", "make_config",
    "open", "__version__",
]
