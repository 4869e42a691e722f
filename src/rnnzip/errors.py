"""Exceptions raised by rnnzip, shaped like the standard library's gzip/lzma errors."""


class RnnzipError(Exception):
    """Base class of every error rnnzip raises on purpose."""


class BadRnnzipFile(RnnzipError, OSError):
    """The input is not a valid rnnzip stream: wrong magic, corrupt header or payload."""


class EnvironmentMismatch(RnnzipError):
    """This machine cannot reproduce the floating-point results the file was coded with."""
