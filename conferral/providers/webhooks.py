"""The providers whose tracking webhooks Conferral serves, and what each needs to
authenticate a call.

django-anymail accepts unauthenticated calls when no secret is configured (it only
warns). Here a webhook without its secret refuses every call instead, with a message
that names the missing setting: an open webhook would let anyone bounce, suppress or
"open" any recipient whose provider message id they can guess."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from anymail.utils import get_anymail_setting
from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

# Settings are read as django-anymail reads them: the keys of CONFERRAL_ANYMAIL.
BASIC_AUTH = "WEBHOOK_SECRET"


@dataclass(frozen=True)
class Provider:
    slug: str  # the URL segment: /anymail/<slug>/tracking/
    view: Any  # the django-anymail view class
    # The settings that authenticate a call: any one of them is enough.
    secrets: tuple[str, ...] = (BASIC_AUTH,)

    def configured(self) -> bool:
        return any(_setting(name) for name in self.secrets)

    def refusal(self) -> str:
        names = " or ".join(self.secrets)
        return (
            f"The {self.view.esp_name} webhook is not configured: set {names} in "
            "CONFERRAL_ANYMAIL. It refuses every call until then."
        )


def _setting(name: str) -> Any:
    return get_anymail_setting(name.lower(), default=None)


PROVIDERS = (
    # Amazon SNS calls with basic auth once it was refused with a 401 (django-anymail
    # does that), and only a call with the secret confirms an SNS subscription.
    Provider("amazon_ses", AmazonSESTrackingWebhookView),
    Provider("brevo", BrevoTrackingWebhookView),
    # Mailgun signs every call (HMAC with the signing key); basic auth may come on top.
    Provider(
        "mailgun", MailgunTrackingWebhookView, ("MAILGUN_WEBHOOK_SIGNING_KEY", "MAILGUN_API_KEY")
    ),
    Provider("postmark", PostmarkTrackingWebhookView),
    # SendGrid's signed event webhook (ECDSA public key) or basic auth.
    Provider(
        "sendgrid",
        SendGridTrackingWebhookView,
        (BASIC_AUTH, "SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY"),
    ),
)


def guarded_view(provider: Provider) -> Callable[..., HttpResponse]:
    """The provider's django-anymail view, refusing (403) while it has no secret."""
    view = provider.view.as_view()

    @csrf_exempt
    def webhook(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not provider.configured():
            return HttpResponse(provider.refusal(), status=403, content_type="text/plain")
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return webhook
