"""A real HTTP server on 127.0.0.1 that receives webhooks: it keeps every request
(path, headers, body) and answers each with the next of the answers it was given
(200 once they run out), optionally after a delay. Tasks run where they are enqueued,
and private addresses are allowed unless a test says otherwise."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization
from conferral.certificates.models import Recipient
from conferral.webhooks.registry import endpoints_changed
from conferral.webhooks.services import Registered, endpoint_create

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Reply:
    status: int = 200
    text: str = "ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A sender that hung up (the slow test's) is what the test wants."""


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.replies: list[Reply] = []
        self.lock = threading.Lock()
        handler = self._handler()
        self.server = _Server(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hooks", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def answer(self, *replies: Reply) -> None:
        with self.lock:
            self.replies.extend(replies)

    def _next(self, received: Received) -> Reply:
        with self.lock:
            self.requests.append(received)
            return self.replies.pop(0) if self.replies else Reply()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                reply = receiver._next(Received(self.path, dict(self.headers.items()), body))
                time.sleep(reply.delay)
                data = reply.text.encode()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def webhook_settings(settings: Settings) -> Iterator[None]:
    settings.TASKS = IMMEDIATE
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.WEBHOOKS_TIMEOUT_SECONDS = 5.0
    endpoints_changed()
    yield
    endpoints_changed()


@pytest.fixture
def subscribe(org: Organization, receiver: Receiver) -> Callable[..., Registered]:
    def register(*types: str, url: str = "") -> Registered:
        return endpoint_create(
            organization=org,
            url=url or receiver.url(),
            event_types=list(types or ["credential.claimed"]),
            description="CRM sync",
        )

    return register


@pytest.fixture
def person(add_recipients: Callable[..., list[Recipient]]) -> Recipient:
    return add_recipients(("Ada Lovelace", "ada@example.com"))[0]
