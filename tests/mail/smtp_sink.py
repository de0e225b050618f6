"""A small real SMTP server on a loopback port for the tests: it speaks enough SMTP for smtplib.

It keeps every message it accepts. `hang_up_at_quit` closes the connection on QUIT without a reply,
as a server that accepted the mail and then went away would.
"""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class SmtpSink:
    port: int = 0
    hang_up_at_quit: bool = False
    messages: list[bytes] = field(default_factory=list)
    accepted_at: list[float] = field(default_factory=list)  # time.monotonic() of each "250" after DATA


def _handler(sink: SmtpSink) -> type[socketserver.StreamRequestHandler]:
    class Conversation(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            reply = self.wfile.write
            reply(b"220 sink.test ESMTP\r\n")
            while line := self.rfile.readline():
                command = line.strip().upper()
                if command.startswith((b"EHLO", b"HELO")):
                    reply(b"250 sink.test\r\n")
                elif command.startswith((b"MAIL", b"RCPT", b"RSET", b"NOOP")):
                    reply(b"250 OK\r\n")
                elif command == b"DATA":
                    reply(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    lines = []
                    while (data := self.rfile.readline()) not in (b".\r\n", b""):
                        lines.append(data[1:] if data.startswith(b"..") else data)
                    sink.messages.append(b"".join(lines))
                    sink.accepted_at.append(time.monotonic())
                    reply(b"250 OK queued\r\n")
                elif command == b"QUIT":
                    if not sink.hang_up_at_quit:
                        reply(b"221 Bye\r\n")
                    return
                else:
                    reply(b"502 Command not implemented\r\n")

    return Conversation


@contextmanager
def running_sink(hang_up_at_quit: bool = False) -> Iterator[SmtpSink]:
    sink = SmtpSink(hang_up_at_quit=hang_up_at_quit)
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _handler(sink))
    server.daemon_threads = True
    sink.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
