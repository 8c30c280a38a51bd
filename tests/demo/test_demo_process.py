"""The demo in a child process (`uatkit.demo.process.spawn`), as a test session starts it."""

from __future__ import annotations

import json
import os
import socket
import urllib.request
from pathlib import Path

import pytest

from uatkit.demo import __version__
from uatkit.demo.process import DemoProcess, spawn

pytestmark = pytest.mark.skipif(os.name == "nt", reason="Windows runs the demo in a thread instead")


def test_the_url_answers_from_the_first_request_and_stop_frees_the_port() -> None:
    running = spawn()
    assert isinstance(running, DemoProcess)
    try:
        # Sent at once: the request waits in the socket's queue until the child serves it.
        with urllib.request.urlopen(running.url + "/api/version", timeout=60) as response:
            assert json.loads(response.read())["version"] == __version__
        temp = Path(running._temp_dir.name)  # type: ignore[union-attr]
        assert (temp / "demo.sqlite3").is_file()
    finally:
        running.stop()
    assert not temp.exists()
    port = int(running.url.rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


def test_each_spawned_demo_has_its_own_port_and_data() -> None:
    with spawn() as first, spawn() as second:
        assert first.url != second.url
        for running in (first, second):
            request = urllib.request.Request(running.url + "/api/workspaces", method="POST")
            with urllib.request.urlopen(request, timeout=60) as response:
                assert json.loads(response.read())["workspace"]
