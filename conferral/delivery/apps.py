from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "conferral.delivery"
    label = "delivery"

    def ready(self) -> None:
        # A mail URL that cannot work is a clear error at start-up, not at the first send.
        from conferral.certificates.erasure import erasure_subscribe
        from conferral.delivery.email_url import email_config
        from conferral.delivery.erasure import mailbox_on_erasure
        from conferral.delivery.transports import backend_check
        from conferral.delivery.worker import worker_companion_add
        from conferral.tracking.retention import events_pruner

        backend_check(email_config())
        # An erased recipient's messages in the local mailbox go with the erasure.
        erasure_subscribe(mailbox_on_erasure)
        # Every worker prunes the events past their organization's retention.
        worker_companion_add(events_pruner)
