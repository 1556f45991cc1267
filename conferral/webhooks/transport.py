"""One HTTP POST of a webhook, with the standard library: to the addresses resolved and
checked before (conferral.webhooks.addresses), with the URL's host in the Host header
and, for https, in the TLS server name and the certificate check. Redirects are not
followed (a 3xx is an answer like any other that is not 2xx). The whole exchange has a
hard deadline: a receiver that answers a byte at a time is cut off when it passes."""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from django.utils.translation import gettext as _

from conferral.webhooks.addresses import Target
from conferral.webhooks.models import ANSWER_MAX_LENGTH

USER_AGENT = "Conferral-Webhooks/1"


class TransportError(Exception):
    """Nothing usable came back: no connection, a TLS failure, the deadline passed."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    text: str  # the start of the body


def _connect(addresses: list[str], port: int, timeout: float) -> socket.socket:
    """A connection to the first of the checked addresses that answers."""
    error: OSError = OSError("no address")
    for address in addresses:
        try:
            sock = socket.create_connection((address, port), timeout)
        except OSError as failed:
            error = failed
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise error


class _PinnedConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, addresses: list[str], timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._addresses = addresses
        self._deadline = timeout

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self._deadline)


class _PinnedTlsConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, addresses: list[str], timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._addresses = addresses
        self._deadline = timeout

    def connect(self) -> None:
        raw = _connect(self._addresses, self.port, self._deadline)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def post(
    *, target: Target, addresses: list[str], headers: dict[str, str], body: bytes, timeout: float
) -> Answer:
    kind = _PinnedTlsConnection if target.scheme == "https" else _PinnedConnection
    connection = kind(target, addresses, timeout)
    # The socket timeout bounds each read; this bounds them all together.
    watchdog = threading.Timer(timeout, _cut, args=(connection,))
    watchdog.daemon = True
    started = time.monotonic()
    watchdog.start()
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Connection": "close",
            },
        )
        response = connection.getresponse()
        text = response.read(ANSWER_MAX_LENGTH * 4).decode("utf-8", "replace")
        return Answer(status=response.status, text=text[:ANSWER_MAX_LENGTH])
    except (OSError, http.client.HTTPException) as error:
        if time.monotonic() - started >= timeout:
            raise TransportError(
                _("No answer within %(seconds)s seconds.") % {"seconds": f"{timeout:g}"}
            ) from error
        raise TransportError(str(error) or type(error).__name__) from error
    finally:
        watchdog.cancel()
        connection.close()


def _cut(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
