"""On SQLite a deliver run checkpoints the log less often (and puts the setting back);
see conferral.delivery.checkpoints for the measurements."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from conferral.certificates.models import Certificate, Recipient
from conferral.delivery import pipeline
from conferral.delivery.checkpoints import WRITER_CHECKPOINT_PAGES
from conferral.delivery.message import OutgoingMessage
from conferral.delivery.services import certificate_send
from conferral.delivery.transports import Transport

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="an SQLite setting")


class _Probe(Transport):
    """Accepts every message and notes the connection's checkpoint setting."""

    seen: list[int] = []

    def send(self, message: OutgoingMessage, *, then: OutgoingMessage | None = None) -> str:
        (pages,) = connection.connection.execute("PRAGMA wal_autocheckpoint").fetchone()
        self.seen.append(pages)
        return "250 ok"


def test_it_checkpoints_less_often_while_sending_and_restores_the_setting(
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_recipients(("Ada", "ada@example.com"))
    certificate_send(certificate=certificate)
    connection.ensure_connection()
    (before,) = connection.connection.execute("PRAGMA wal_autocheckpoint").fetchone()
    monkeypatch.setattr(pipeline, "transport_from_settings", _Probe)

    assert pipeline.deliver_due().delivered == 1

    assert _Probe.seen == [WRITER_CHECKPOINT_PAGES]
    (after,) = connection.connection.execute("PRAGMA wal_autocheckpoint").fetchone()
    assert after == before != WRITER_CHECKPOINT_PAGES
