"""A threaded loopback TCP proxy in front of PostgreSQL or RabbitMQ: `cut()` resets every open
connection and refuses new ones until `restore()`; `blackhole()` keeps every connection open but
drops whatever either side sends (a silent cut: no reset, no FIN) until `resume()`; the real
servers are never touched."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit


class Proxy:
    """Listens on 127.0.0.1:<ephemeral> and forwards every connection to `target_port`.

    `cut()` resets all open connections (both sides) and makes new ones fail at once (accepted,
    then reset), as a server that went away would; `restore()` forwards again.

    `blackhole()` is a silent cut: sockets stay open, bytes from either side are read and
    dropped, a side that closes meanwhile is not told to the other, a new connection is
    accepted and then hears nothing. Both kernels keep acknowledging (the proxy's sockets
    are loopback), so TCP keepalives and `tcp_user_timeout` see nothing: only the server's
    own timeouts (idle in transaction, lock, statement, idle session) can end a wait. That is
    the worst case of a packet-dropping network: bytes are lost, not delayed.
    `resume()` forwards again on the same connections (their protocol state is whatever the
    drop left); `resume(reset=True)` resets every connection that lived through the cut.
    """

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(256)
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._cut = False
        self._flowing = threading.Event()
        self._flowing.set()
        self._closed = False
        self.dropped = 0
        self.accepted = 0
        self.refused = 0
        self._thread = threading.Thread(target=self._accept_loop, daemon=True, name="proxy")
        self._thread.start()

    @property
    def is_cut(self) -> bool:
        return self._cut

    def url(self, url: str) -> str:
        """`url` with its host and port replaced by the proxy's."""
        parts = urlsplit(url)
        user = parts.netloc.rpartition("@")[0]
        netloc = f"{user}@127.0.0.1:{self.port}" if user else f"127.0.0.1:{self.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            doomed, self._open = list(self._open), set()
        for s in doomed:
            _reset(s)

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    @property
    def is_blackholed(self) -> bool:
        return not self._flowing.is_set()

    def blackhole(self) -> None:
        """Stop forwarding, without closing anything (see the class docstring)."""
        self._flowing.clear()

    def resume(self, *, reset: bool = False) -> None:
        """Forward again; with `reset`, every connection open now is reset first (a middlebox
        that lost its state during the cut)."""
        if reset:
            with self._lock:
                doomed, self._open = list(self._open), set()
            for s in doomed:
                _reset(s)
        self._flowing.set()

    @contextlib.contextmanager
    def silence(self, seconds: float, *, reset: bool = False) -> Iterator[None]:
        """Blackhole for `seconds` (the body runs during the cut), then `resume`."""
        self.blackhole()
        began = time.monotonic()
        try:
            yield
            time.sleep(max(0.0, seconds - (time.monotonic() - began)))
        finally:
            self.resume(reset=reset)

    @contextlib.contextmanager
    def outage(self, seconds: float) -> Iterator[None]:
        """Cut for `seconds` (the body runs during the outage), then restore."""
        self.cut()
        began = time.monotonic()
        try:
            yield
            time.sleep(max(0.0, seconds - (time.monotonic() - began)))
        finally:
            self.restore()

    def close(self) -> None:
        self._closed = True
        self._flowing.set()
        self.cut()
        with contextlib.suppress(OSError):  # wakes the accept loop (a close alone does not)
            self._listener.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._listener.close()
        self._thread.join(timeout=5)

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            try:
                self._serve(client)
            except Exception:  # never let a proxy thread raise into pytest
                _reset(client)

    def _serve(self, client: socket.socket) -> None:
        if self._cut:
            self.refused += 1
            _reset(client)
            return
        if self.is_blackholed:  # the handshake's bytes are lost: the client hears nothing
            with self._lock:
                self._open.add(client)
            threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            _reset(client)
            return
        upstream.settimeout(None)
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            if self._cut:
                _reset(client)
                _reset(upstream)
                return
            self._open.update((client, upstream))
            self.accepted += 1
        for src, dst in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _swallow(self, client: socket.socket) -> None:
        """A connection accepted during a blackhole: drop what it sends; reset it once the
        cut ends (its startup bytes are gone, it could never work)."""
        client.settimeout(0.2)
        try:
            while self.is_blackholed and not self._closed:
                try:
                    if not client.recv(65536):
                        self._flowing.wait()
                        break
                    self.dropped += 1
                except TimeoutError:
                    continue
        except Exception:
            pass
        finally:
            with self._lock:
                self._open.discard(client)
            _reset(client)

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    self._flowing.wait()  # a close in a silent cut reaches no one until it ends
                    break
                if self.is_blackholed:
                    self.dropped += 1
                    continue
                dst.sendall(data)
        except Exception:  # a reset or a cut: the other pump sees it too
            pass
        finally:
            with self._lock:
                self._open.discard(src)
                self._open.discard(dst)
            _reset(src)
            _reset(dst)


def _reset(s: socket.socket) -> None:
    """Close with RST (linger 0), waking any thread blocked in recv on it."""
    with contextlib.suppress(OSError):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        s.close()
