"""The fault proxy's silent cut does what the fault tests rely on: bytes dropped both ways, no
close reaches the other side while it lasts, and afterwards forwarding (or a reset) again.
Against a loopback echo server: no external service is needed."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.integration.faults.proxy import Proxy


@pytest.fixture()
def echo() -> Iterator[int]:
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            while data := conn.recv(4096):
                conn.sendall(data)

    def accept() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                conn, _ = server.accept()
                threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1]
    stop.set()
    server.close()


def _ask(client: socket.socket, data: bytes, wait: float = 1.0) -> bytes:
    client.settimeout(wait)
    client.sendall(data)
    try:
        return client.recv(4096)
    except TimeoutError:
        return b""


def _dead(sock: socket.socket) -> bool:
    try:
        return _ask(sock, b"x", wait=0.5) == b""
    except OSError:
        return True


def test_a_silent_cut_drops_bytes_and_keeps_the_connection_open_then_resumes(echo: int) -> None:
    proxy = Proxy(echo)
    try:
        client = socket.create_connection(("127.0.0.1", proxy.port))
        assert _ask(client, b"before") == b"before"
        proxy.blackhole()
        assert _ask(client, b"lost", wait=0.5) == b"", "nothing comes back during the cut"
        late = socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
        assert _ask(late, b"hello", wait=0.5) == b"", "a new connection hears nothing either"
        proxy.resume()
        assert _ask(client, b"after") == b"after", "the same connection forwards again"
        assert proxy.dropped >= 2
        time.sleep(0.5)
        assert _dead(late), "accepted during the cut: its handshake is lost, it is reset"
        client.close()
    finally:
        proxy.close()


def test_a_close_during_the_cut_reaches_the_other_side_only_after_it(echo: int) -> None:
    proxy = Proxy(echo)
    try:
        client = socket.create_connection(("127.0.0.1", proxy.port))
        assert _ask(client, b"ping") == b"ping"
        proxy.blackhole()
        client.shutdown(socket.SHUT_WR)  # the client leaves: the server must not hear it yet
        time.sleep(0.3)
        assert len(proxy._open) == 2, "both proxy sockets still open during the cut"
        proxy.resume(reset=True)
        assert not proxy._open, "reset after the cut"
        assert _dead(client)
    finally:
        proxy.close()
