"""File and folder writes that never leave a half-written file or folder behind."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from uatkit.errors import UatkitError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


def file_in_the_way(error: OSError) -> Path | None:
    """Return the file that stands where a folder must be for `error`'s path, if that is what failed."""
    # ENOTDIR: a parent is a file; EEXIST from mkdir(exist_ok=True): the folder's own name is a file.
    if error.errno not in (errno.ENOTDIR, errno.EEXIST) or not isinstance(error.filename, str | os.PathLike):
        return None
    path = Path(error.filename)
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate) and not candidate.is_dir():
            return candidate
    return None


def atomic_write_bytes(path: Path, data: bytes, *, replace: bool = True) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    With `replace=False` an existing `path` is never replaced, even one another process writes meanwhile:
    FileExistsError is raised and nothing is written.
    """
    atomic_write_chunks(path, (data,), replace=replace)


def atomic_write_chunks(path: Path, chunks: Iterable[bytes], *, replace: bool = True) -> None:
    """Write the chunks, in order, as `atomic_write_bytes` writes one: a large page need not be held whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); the result must have the usual permissions of a new file.
        # os.fchmod is POSIX only (Windows has it from Python 3.13, where mode bits mean little anyway).
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if not hasattr(os, "fchmod"):
            os.chmod(tmp, 0o666 & ~_UMASK)
        if replace:
            os.replace(tmp, path)
        else:
            _link(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _link(tmp: str, path: Path) -> None:
    """Put the written file at `path` unless something is there: a hard link fails on an existing name."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links (FAT, some shares): check, then rename; a race is unlikely there.
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, "File exists", str(path)) from None
        os.replace(tmp, path)
        return
    Path(tmp).unlink()


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text with LF line ends atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


#: The file that marks a folder `fresh_folder` is building or throwing away (it holds the host and PID).
PARTIAL_MARKER = ".uatkit-partial"
#: Seconds after which a marked folder of another host counts as debris (its PID means nothing here).
_FOREIGN_AGE = 24 * 3600


@contextmanager
def fresh_folder(final: Path, ours: Callable[[Path], bool]) -> Iterator[Path]:
    """Build a folder next to `final`, then put it in place; a failure leaves `final` as it was.

    Folders an interrupted run left beside `final` (`.NAME.XXXX` holding the marker file of a process that
    is gone) are removed first; a folder another running command is building is left alone.
    """
    if final.exists() and not final.is_dir():
        raise UatkitError(f"{final}: is a file, not a folder; choose another folder")
    if final.is_dir() and any(final.iterdir()) and not ours(final):
        raise UatkitError(
            f"{final}: uatkit did not make this folder and would replace everything in it; "
            "choose another folder or empty it"
        )
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_debris(final)
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        _mark(work)
        os.chmod(work, 0o755)  # mkdtemp's 0700 would hide a shared report from its readers
        yield work
        (work / PARTIAL_MARKER).unlink()
    except BaseException:
        _remove(work)
        raise
    old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
    if final.exists():
        final.rename(old)
        _mark(old)
    work.rename(final)
    _remove(old)


@contextmanager
def staging_folder(final: Path) -> Iterator[Path]:
    """Yield an empty folder beside `final` (`.NAME.XXXX`, marked as `fresh_folder` marks its own) to write
    files in before they are moved into `final` one by one; it is removed afterwards, whatever happens."""
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_debris(final)
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        _mark(work)
        yield work
    finally:
        _remove(work)


def debris(final: Path) -> list[Path]:
    """Return the folders an interrupted `fresh_folder` left beside `final`: `.NAME.*`, marked, abandoned."""
    if not final.parent.is_dir():
        return []
    prefix = f".{final.name}."
    return sorted(
        entry
        for entry in final.parent.iterdir()
        if entry.name.startswith(prefix)
        and entry.is_dir()
        and not entry.is_symlink()
        and (entry / PARTIAL_MARKER).is_file()
        and _abandoned(entry / PARTIAL_MARKER)
    )


def _mark(folder: Path) -> None:
    """Mark a folder as built or thrown away by this process: its host and PID."""
    (folder / PARTIAL_MARKER).write_text(f"{socket.gethostname()} {os.getpid()}\n", encoding="utf-8")


def _abandoned(marker: Path) -> bool:
    """Return True when the process that marked the folder is gone (another host's: after a day)."""
    try:
        host, _, pid = marker.read_text(encoding="utf-8").strip().rpartition(" ")
        age = time.time() - marker.stat().st_mtime
    except (OSError, UnicodeDecodeError):
        return False
    if host != socket.gethostname() or not pid.isdigit():
        return age > _FOREIGN_AGE
    if int(pid) == os.getpid():
        return False
    return not _alive(int(pid))


def _alive(pid: int) -> bool:
    """Return True when a process with this ID runs (or cannot be asked about: never remove its folder)."""
    if sys.platform == "win32":
        # os.kill(pid, 0) on Windows would send CTRL_C_EVENT, not ask; OpenProcess only asks.
        import ctypes

        kernel = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() != 87  # ERROR_INVALID_PARAMETER: no such process
        code = ctypes.c_ulong()
        ok = kernel.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel.CloseHandle(handle)
        return not ok or code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def remove_debris(final: Path) -> list[Path]:
    """Remove what `debris` finds; return the folders removed."""
    found = debris(final)
    for folder in found:
        _remove(folder)
    return found


def _remove(folder: Path) -> None:
    """Remove a folder, its marker last, so a removal cut short is still recognised as ours next time."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.name == PARTIAL_MARKER:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    (folder / PARTIAL_MARKER).unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
