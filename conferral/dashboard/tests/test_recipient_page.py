"""A recipient's page: the link and token to hand out, and the timeline in plain words."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conferral.certificates.event_details import EmailDelivered, EmailOpened
from conferral.certificates.events import event_record
from conferral.certificates.links import channel_from_mark, recipient_path
from conferral.certificates.models import Channel, Recipient
from conferral.certificates.status import EmailStatus
from conferral.tracking.machine import MachineReason


def test_it_shows_the_admin_link_the_token_and_the_timeline(
    user_client: Client, people: list[Recipient]
) -> None:
    recipient = people[0]
    delivered_at = timezone.now() - dt.timedelta(hours=2)
    Recipient.objects.filter(pk=recipient.pk).update(
        email_status=EmailStatus.OPENED, delivered_at=delivered_at, opened_at=timezone.now()
    )
    event_record(
        recipient=recipient,
        detail=EmailDelivered(reply="250 2.0.0 Ok: queued as 4F2A"),
        at=delivered_at,
    )
    event_record(
        recipient=recipient,
        detail=EmailOpened(machine_reason=MachineReason.IMAGE_PROXY),
        machine=True,
        user_agent="Mozilla/5.0 (via ggpht.com GoogleImageProxy)",
    )
    response = user_client.get(
        reverse("dashboard:recipient", kwargs={"recipient_id": recipient.public_id})
    )
    html = response.content.decode()
    assert response.status_code == 200
    path = recipient_path(recipient, Channel.ADMIN)
    assert path.replace("&", "&amp;") in html
    assert channel_from_mark(recipient.token, path.split("via=", 1)[1]) == Channel.ADMIN
    assert recipient.token in html
    assert "Email delivered" in html
    assert "250 2.0.0 Ok" in html
    assert '<span class="badge machine">machine</span>' in html
    assert html.index("Email delivered") < html.index("Email opened")
