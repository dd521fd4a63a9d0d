"""Documents in a local directory (one machine, or a shared mount), readable by refnet's own
user only: the directory 0700, each file 0600 whatever the umask."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import BinaryIO

from app.storage import StorageError

# Keys are random hex made by refnet; anything else never reaches the file system.
KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class LocalStorage:
    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        if not KEY.match(key):
            raise StorageError(f"not a storage key: {key!r}")
        return self.directory / key

    def _ensure_directory(self) -> None:
        if not self.directory.is_dir():
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.directory.chmod(0o700)  # mkdir's mode is filtered by the umask

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        try:
            self._ensure_directory()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise StorageError(f"could not write document {key}: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
        except OSError as exc:
            path.unlink(missing_ok=True)  # no half-written file under a row's key
            raise StorageError(f"could not write document {key}: {exc}") from exc

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except OSError as exc:
            raise StorageError(f"could not read document {key}: {exc}") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def check(self) -> None:
        try:
            self._ensure_directory()
        except OSError as exc:
            raise StorageError(f"documents directory unusable: {exc}") from exc
        if not os.access(self.directory, os.W_OK | os.X_OK):
            raise StorageError(f"documents directory not writable: {self.directory}")
