"""Misbehaving HTTP receivers on a free loopback port, for the delivery fault tests."""

import contextlib
import socket
import threading
import time


class RawReceiver:
    """Accepts connections and hands each to `serve(conn)` in its own thread, until
    closed. `serve` reads the request itself and answers however it likes."""

    def __init__(self, serve):
        self.serve = serve
        self.stop = threading.Event()
        self.connections = 0
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with contextlib.suppress(OSError), conn:
            read_request(conn)
            self.serve(conn, self.stop)

    def close(self):
        self.stop.set()
        self.thread.join(timeout=2)
        self.server.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_request(conn) -> bytes:
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return data


def drip(every: float = 2.0, limit: float = 30.0):
    """An answer that arrives one byte every `every` seconds (for at most `limit` s):
    each read sees data in time, so a per-read timeout never fires."""

    def serve(conn, stop):
        answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        ends = time.monotonic() + limit
        for byte in answer:
            if stop.wait(every) or time.monotonic() > ends:
                return
            conn.sendall(bytes([byte]))

    return serve


def endless_body(total: int = 64 * 1024 * 1024):
    """A 200 whose body goes on and on (fast), with no Content-Length."""

    def serve(conn, stop):
        conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        block = b"x" * 65536
        sent = 0
        while sent < total and not stop.is_set():
            conn.sendall(block)
            sent += len(block)

    return serve
