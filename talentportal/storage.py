"""The media storage: a file appears whole under its name or not at all."""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import suppress
from typing import IO, Any

from django.core.files.storage import FileSystemStorage

DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in DISK_FULL


def copy_chunks(content: Any, out: IO[bytes]) -> None:
    for chunk in content.chunks():
        out.write(chunk.encode() if isinstance(chunk, str) else chunk)


class _Staged:
    """A file already written beside its final place, which FileSystemStorage then renames into it."""

    def __init__(self, path: str) -> None:
        self.path = path

    def temporary_file_path(self) -> str:
        return self.path


class MediaStorage(FileSystemStorage):
    """FileSystemStorage that writes a new file under a hidden temporary name in the same folder and renames it
    into place when complete: a full disk (or a worker killed mid-write) never leaves half a file under a name
    the portal would serve; the partial file is removed before the error goes on."""

    def _save(self, name: str, content: Any) -> str:
        if hasattr(content, "temporary_file_path"):
            return str(super()._save(name, content))  # type: ignore[misc]
        directory = os.path.dirname(self.path(name))
        os.makedirs(directory, exist_ok=True)
        fd, staged = tempfile.mkstemp(dir=directory, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out:
                copy_chunks(content, out)
            return str(super()._save(name, _Staged(staged)))  # type: ignore[misc]
        finally:
            with suppress(FileNotFoundError):
                os.remove(staged)
