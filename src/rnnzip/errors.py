"""Exceptions raised by rnnzip, shaped like the standard library's gzip/lzma errors."""


class RnnzipError(Exception):
    """Base class of every error rnnzip raises on purpose."""


class BadRnnzipFile(RnnzipError, OSError):
    """The input is not a valid rnnzip stream: wrong magic, corrupt header or payload."""


class EnvironmentMismatch(RnnzipError):
    """This machine cannot reproduce the floating-point results the file was coded with."""


class MissingTorch(RnnzipError):
    """A PyTorch network was asked for (or a file needs one) and PyTorch is not installed."""


def require_torch(what: str) -> None:
    """Raise MissingTorch, naming the extra to install, when torch cannot be imported (levels 1-9
    never need it: only the network presets and their files)."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        raise MissingTorch(f"{what} needs PyTorch: pip install 'rnnzip[torch]'")
