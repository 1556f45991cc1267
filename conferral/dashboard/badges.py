"""A recipient's Open Badge from the dashboard: reissue it (a new credential id with the
certificate's current data; the old one shows as replaced). Editors only; another
organization's recipient is a 404, as everywhere in the dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from conferral.badges.issuing import REASON_MAX, badge_reissue
from conferral.certificates.credentials import CredentialRevoked
from conferral.certificates.erasure import RecipientErased
from conferral.certificates.selectors import recipient_get_for_user
from conferral.dashboard.access import require_editor


@login_required
@require_POST
def recipient_badge_reissue(request: HttpRequest, recipient_id: str) -> HttpResponse:
    recipient = recipient_get_for_user(request.user, recipient_id)
    require_editor(request.user, recipient.certificate.organization)
    try:
        badge_reissue(recipient=recipient, reason=request.POST.get("reason", "")[:REASON_MAX])
    except CredentialRevoked as error:
        messages.error(request, error.message)
    except RecipientErased as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The Open Badge was reissued under a new id."))
    return redirect("dashboard:recipient", recipient_id=recipient.public_id)
