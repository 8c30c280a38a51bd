"""Run the demo in a child process for a test session: `spawn()` returns before the child has even started.

The listening socket is bound here and handed to the child (`python -m uatkit.demo.server --listen-fd`), so
the URL is known and connectable at once: a request sent before the child serves waits in the socket's
backlog, and no readiness polling is needed. The child's imports, password hashing and database creation
run on another core while the caller goes on (a pytest session collects), and its request handling never
competes with the caller's threads. The child stops when its standard input closes: when `stop()` closes
it, or when the caller dies. This module imports nothing of the demo; where a socket cannot be handed to a
child (Windows), the demo runs in a background thread of this process instead (`server.start`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from types import TracebackType
from typing import Protocol

STOP_TIMEOUT = 5.0


class Running(Protocol):
    """A demo system serving at `url` until stopped."""

    url: str

    def stop(self) -> None:
        """Stop serving and remove a temporary database."""

    def __enter__(self) -> Running: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None: ...


class DemoProcess:
    """The demo serving in a child process; stop it with `stop()` or use it as a context manager."""

    def __init__(self, url: str, child: subprocess.Popen[bytes], temp_dir: tempfile.TemporaryDirectory[str]):
        self.url = url
        self._child = child
        self._temp_dir: tempfile.TemporaryDirectory[str] | None = temp_dir

    def stop(self) -> None:
        """Close the child's standard input (it shuts down), wait for it, remove the temporary database."""
        if self._child.stdin is not None and not self._child.stdin.closed:
            self._child.stdin.close()
        try:
            self._child.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()
        if self._temp_dir is not None:
            self._temp_dir.cleanup()
            self._temp_dir = None

    def __enter__(self) -> DemoProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def spawn(host: str = "127.0.0.1", port: int = 0) -> Running:
    """Start the demo on a free port (when 0) with a temporary SQLite file; return as soon as it is bound."""
    if os.name == "nt":
        from uatkit.demo.server import start

        return start(host=host, port=port)
    listener = socket.create_server((host, port))
    temp_dir = tempfile.TemporaryDirectory(prefix="uatkit-demo-")
    try:
        fd = listener.fileno()
        command = [sys.executable, "-m", "uatkit.demo.server", "--host", host, "--listen-fd", str(fd)]
        command += ["--db", os.path.join(temp_dir.name, "demo.sqlite3")]
        child = subprocess.Popen(command, stdin=subprocess.PIPE, pass_fds=(fd,))
        url = f"http://{host}:{listener.getsockname()[1]}"
    except BaseException:
        temp_dir.cleanup()
        raise
    finally:
        listener.close()  # the child holds its own copy of the socket
    return DemoProcess(url, child, temp_dir)
