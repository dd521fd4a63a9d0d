"""A local SMTP server for tests: real SMTP on loopback, messages kept in a list.

Set `refusal` (an SMTP answer such as "451 4.3.0 Try again later") to have it refuse every
message it is offered until it is set back to None; `offered` counts what it was offered.
"""

from __future__ import annotations

import email
import socket
from email.message import Message

from aiosmtpd.controller import Controller


class _Collect:
    def __init__(self, server: LocalSMTPServer) -> None:
        self.server = server

    async def handle_DATA(self, server, session, envelope):
        self.server.offered += 1
        if self.server.refusal:
            return self.server.refusal
        self.server.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalSMTPServer:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refusal: str | None = None
        self.offered = 0
        self.port = free_port()
        self._controller = Controller(_Collect(self), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> LocalSMTPServer:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()
