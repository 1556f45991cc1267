from django.apps import AppConfig


class BouncesConfig(AppConfig):
    name = "conferral.bounces"
    label = "bounces"

    def ready(self) -> None:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        from conferral.bounces.erasure import bounces_on_erasure
        from conferral.bounces.imap import ImapError, bounce_poller, imap_config
        from conferral.certificates.erasure import erasure_subscribe
        from conferral.delivery.worker import worker_companion_add

        # A bounce mailbox URL that cannot work is a clear error at start-up.
        if settings.BOUNCE_IMAP_URL:
            try:
                imap_config(settings.BOUNCE_IMAP_URL)
            except ImapError as error:
                raise ImproperlyConfigured(f"CONFERRAL_BOUNCE_IMAP_URL: {error}") from error
        # Every worker polls the bounce mailbox while CONFERRAL_BOUNCE_IMAP_URL is set.
        worker_companion_add(bounce_poller)
        # An erased recipient's stored reports go with the erasure.
        erasure_subscribe(bounces_on_erasure)
