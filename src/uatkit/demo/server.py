"""Run the demo: `serve()` blocks (the command line), `start()` runs it in a background thread (tests), and
`serve_socket()` serves on a socket a parent process bound (`uatkit.demo.process.spawn`)."""

from __future__ import annotations

import argparse
import os
import socket
import socketserver
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from uatkit.demo import __version__
from uatkit.demo.domain import Shop
from uatkit.demo.web import make_app


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """A WSGI server answering each request in its own thread."""

    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    """A request handler that logs nothing (request lines may carry secrets in a query)."""

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing."""


class VerboseHandler(WSGIRequestHandler):
    """A request handler that logs method, path (without the query) and status to stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log one line per request, leaving the query out."""
        path = self.path.split("?", 1)[0]
        sys.stderr.write(f"{self.address_string()} {self.command} {path} {code}\n")


@dataclass
class RunningServer:
    """A demo server running in a background thread; stop it with `stop()` or use it as a context manager."""

    url: str
    shop: Shop
    _server: ThreadingWSGIServer
    _thread: threading.Thread
    _temp_dir: tempfile.TemporaryDirectory[str] | None = field(default=None)

    def stop(self) -> None:
        """Stop serving, close the database and remove a temporary one."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.shop.close()
        if self._temp_dir is not None:
            self._temp_dir.cleanup()
            self._temp_dir = None

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def _server(host: str, port: int, db: str | Path, verbose: bool) -> tuple[ThreadingWSGIServer, Shop]:
    shop = Shop.open(db)
    handler = VerboseHandler if verbose else QuietHandler
    server = make_server(host, port, make_app(shop), server_class=ThreadingWSGIServer, handler_class=handler)
    return server, shop


def start(
    host: str = "127.0.0.1", port: int = 0, db: str | Path | None = None, *, verbose: bool = False
) -> RunningServer:
    """Start the demo in a background thread (a free port when 0, a temporary SQLite file when db is None)."""
    temp_dir = None
    if db is None:
        temp_dir = tempfile.TemporaryDirectory(prefix="uatkit-demo-")
        db = os.path.join(temp_dir.name, "demo.sqlite3")
    server, shop = _server(host, port, db, verbose)
    # a short poll interval lets stop() return quickly
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="demo-server", daemon=True)
    thread.start()
    url = f"http://{host}:{server.server_port}"
    return RunningServer(url, shop, server, thread, temp_dir)


def serve(
    host: str = "127.0.0.1", port: int = 8000, db: str | Path = "demo.sqlite3", verbose: bool = False
) -> None:
    """Serve the demo until interrupted, printing its URL."""
    server, shop = _server(host, port, db, verbose)
    print(f"uatkit demo {__version__} on http://{host}:{server.server_port} (database {db}); Ctrl+C stops it")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        shop.close()


def serve_socket(fd: int, host: str, db: str | Path) -> None:
    """Serve on the listening socket `fd` a parent bound, until standard input closes (the parent's stop)."""
    listener = socket.socket(fileno=fd)
    shop = Shop.open(db)
    server = ThreadingWSGIServer(listener.getsockname()[:2], QuietHandler, bind_and_activate=False)
    server.socket.close()
    server.socket = listener
    # What HTTPServer.server_bind would set, without its name lookup (socket.getfqdn can take seconds).
    server.server_name, server.server_port = host, listener.getsockname()[1]
    server.setup_environ()
    server.set_app(make_app(shop))

    def stop_at_end_of_input() -> None:
        sys.stdin.buffer.read()
        server.shutdown()

    threading.Thread(target=stop_at_end_of_input, name="demo-stop", daemon=True).start()
    try:
        server.serve_forever(0.05)
    finally:
        server.server_close()
        shop.close()


def main(argv: list[str] | None = None) -> None:
    """Run the demo server from the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m uatkit.demo", description="Serve the uatkit order-management demo."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    parser.add_argument("--db", default="demo.sqlite3", help='SQLite file (default demo.sqlite3; ":memory:")')
    parser.add_argument("--verbose", action="store_true", help="log one line per request to stderr")
    parser.add_argument("--listen-fd", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.listen_fd is not None:
        serve_socket(args.listen_fd, args.host, args.db)
        return
    serve(args.host, args.port, args.db, args.verbose)


if __name__ == "__main__":
    main()
