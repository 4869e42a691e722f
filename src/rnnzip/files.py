"""Writing output files safely: to a temporary file beside the target, renamed over it only when
everything succeeded, so that a failure or an interruption never leaves a partial file."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import BinaryIO


class CannotCreate(OSError):
    """The output file (its temporary file) cannot be created; the message names it."""


@contextlib.contextmanager
def atomic_output(path: str, like: str | None = None) -> Iterator[BinaryIO]:
    """Write to a temporary file beside `path`, renamed over it only when everything succeeded."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    except OSError as e:
        raise CannotCreate(f"{path}: cannot create: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if like is not None:  # the input's times and mode, as gzip keeps them
            shutil.copystat(like, tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
