"""Reading small input files and writing output files safely: the one place every settings
file a user names is read from (mapping and policy files, bounded), and every output goes
through (exports, templates, graph exports, import reports, mapping files).

An input file must be a regular file (a FIFO or device is refused without being opened for
a blocking read), no larger than a cap, and its nesting no deeper than a limit, so that
`/dev/zero`, a pipe or a file of 5,000 nested arrays is one line, not a hang or a crash.

A file is written to a temporary file beside the target, then moved into place, so a failure
never leaves a half-written file and readers never see one. Only a regular file, or a path where
nothing exists yet, is ever replaced: a device (`/dev/null`), pipe, folder or link is refused, as
is a read-only file. Every failure is one `OutputError` line naming the file.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from estate.errors import InputError, OutputError

SETTINGS_CAP = 1 << 20
"""The largest mapping or policy file read, in bytes (1 MiB: real ones are a few KB)."""

MAX_DEPTH = 32
"""The deepest nesting of arrays and tables a settings file may have (real ones have 2)."""


def read_bounded(path: Path, what: str, cap: int = SETTINGS_CAP) -> str:
    """The UTF-8 text of the regular file at `path`, refused in one line naming it and `what`
    it was meant to be when it is not a regular file, is larger than `cap` bytes, or is not
    UTF-8. A FIFO is opened without blocking and refused; the size is checked on the open
    file, and no more than `cap` bytes are ever read."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what} ({exc.strerror or exc}).") from None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a device, pipe or socket"
            raise InputError(f"{path} is {kind}, not a {what} file; give a regular file.")
        if info.st_size > cap:
            raise InputError(
                f"{path}: {info.st_size:,} bytes is too large for a {what} file (at most {cap:,})."
            )
        data = b""
        while len(data) <= cap:
            chunk = os.read(handle, cap + 1 - len(data))
            if not chunk:
                break
            data += chunk
    finally:
        os.close(handle)
    if len(data) > cap:
        raise InputError(f"{path}: too large for a {what} file (at most {cap:,} bytes).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: the {what} file is not UTF-8 text ({exc.reason}).") from None


def nesting_depth(text: str) -> int:
    """How deeply `text`'s arrays and tables nest (TOML or JSON), brackets inside quoted
    strings and comments aside: worked out without parsing, so it cannot itself recurse."""
    depth = deepest = 0
    quote: str | None = None
    escaped = comment = False
    for c in text:
        if comment:
            comment = c != "\n"
        elif quote is not None:
            if escaped:
                escaped = False
            elif c == "\\" and quote == '"':
                escaped = True
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#":
            comment = True
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    return deepest


def _shallow(path: Path, text: str, what: str) -> str:
    if nesting_depth(text) > MAX_DEPTH:
        raise InputError(
            f"{path}: the {what} file nests arrays or tables more than {MAX_DEPTH} deep; "
            "it is not one estate wrote or reads."
        )
    return text


def load_toml(path: Path, what: str) -> dict[str, Any]:
    """A TOML settings file (a mapping or policy), read bounded (`read_bounded`) and refused
    in one line when it nests too deeply or is not TOML."""
    text = _shallow(path, read_bounded(path, what), what)
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: cannot read the {what} file ({exc}).") from None


def load_json(path: Path, what: str, cap: int) -> Any:
    """A JSON input file, read bounded and refused in one line when it nests too deeply or is
    not JSON."""
    text = _shallow(path, read_bounded(path, what, cap), what)
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: not JSON ({exc}).") from None


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
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        cause = _os_error(exc)
        if cause is None:
            raise
        raise OutputError(
            f"{path}: not written ({cause.strerror or cause}); the file was left as it was."
        ) from exc


def _os_error(exc: BaseException) -> OSError | None:
    """The operating system's error behind `exc`: itself, or the one a library wrapped in its
    own exception (xlsxwriter's FileCreateError carries the disk's `OSError` as its argument)."""
    seen: set[int] = set()
    found: BaseException | None = exc
    while found is not None and id(found) not in seen:
        if isinstance(found, OSError):
            return found
        seen.add(id(found))
        wrapped = next((a for a in found.args if isinstance(a, OSError)), None)
        found = wrapped or found.__cause__ or found.__context__
    return None


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Characters that make a spreadsheet treat a cell's text as a formula."""


def neutralise(value: object) -> object:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
