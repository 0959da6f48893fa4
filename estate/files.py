"""Writing output files safely, in the one place every output goes through (export, template,
graph export and import reports).

A file is written to a temporary file beside the target, then moved into place, so a failure
never leaves a half-written file and readers never see one. Only a regular file, or a path where
nothing exists yet, is ever replaced: a device (`/dev/null`), pipe, folder or link is refused, as
is a read-only file. Every failure is one `OutputError` line naming the file.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from estate.errors import OutputError

TEMP_SUFFIX = ".estate-tmp"
"""Temporary files are named `.NAME.PID.RANDOM.estate-tmp` beside the target: found by their
name, and removed by the next write to the same target once the process that made them is gone."""


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def check_target(path: Path) -> None:
    """Refuse, in one line, an output path that is not a regular file or a new path in an
    existing folder, or that is a read-only file: writing must never replace a device, pipe,
    folder or link, nor a file its owner protected."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise OutputError(f"{path}: folder {path.parent} does not exist.") from None
        return
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror or exc}).") from exc
    if stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{path} is a folder; give a file name to write.")
    if stat.S_ISLNK(info.st_mode):
        raise OutputError(f"{path} is a symbolic link; give the path of a regular file to write.")
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(
            f"{path} is not a regular file (a device, pipe or socket); estate only writes "
            "regular files. Give a file name."
        )
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise OutputError(f"{path} is read-only; make it writable or choose another name.")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(path: Path) -> list[Path]:
    """Remove the temporary files an earlier, killed write to `path` left beside it (those of
    processes no longer running); returns what was removed."""
    prefix = f".{path.name}."
    removed: list[Path] = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(TEMP_SUFFIX)):
            continue
        pid_text = entry.name[len(prefix) :].split(".", 1)[0]
        if not pid_text.isdigit() or _pid_alive(int(pid_text)):
            continue
        try:
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write` with a temporary path, then move the result to `path` atomically.

    Refuses targets that are not regular files (see `check_target`); a write that fails (disk
    full, file too large, no permission) raises `OutputError` and leaves the target as it was.
    """
    check_target(path)
    clean_leftovers(path)
    try:
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=TEMP_SUFFIX
        )
    except OSError as exc:
        raise OutputError(
            f"{path}: cannot write in folder {path.parent} ({exc.strerror or exc})."
        ) from exc
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o666 & ~_umask())
        check_target(path)  # again: something may have appeared there meanwhile
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(
            f"{path}: not written ({exc.strerror or exc}); the file was left as it was."
        ) from exc
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Characters that make a spreadsheet treat a cell's text as a formula."""


def neutralise(value: object) -> object:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
