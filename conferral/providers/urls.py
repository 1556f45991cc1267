"""Each provider's tracking webhook at django-anymail's own address, e.g.
/anymail/postmark/tracking/ (what the providers' set-up guides and docs/providers.md
say to paste), under django-anymail's URL names."""

from django.urls import path

from conferral.providers.webhooks import PROVIDERS, guarded_view

app_name = "anymail"
urlpatterns = [
    path(
        f"{provider.slug}/tracking/",
        guarded_view(provider),
        name=f"{provider.slug}_tracking_webhook",
    )
    for provider in PROVIDERS
]
