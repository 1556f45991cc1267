from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "conferral.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from conferral.certificates.created import recipients_created_subscribe
        from conferral.certificates.erasure import erasure_subscribe
        from conferral.certificates.events import event_subscribe
        from conferral.delivery.worker import worker_companion_add
        from conferral.webhooks.erasure import webhooks_on_erasure
        from conferral.webhooks.subscriber import webhooks_on_events, webhooks_on_recipients
        from conferral.webhooks.tasks import webhook_retrier

        # Every event batch, once committed, becomes delivery rows for the endpoints
        # that want it, and so do recipients added; every worker sends the retries that
        # come due.
        event_subscribe(webhooks_on_events)
        recipients_created_subscribe(webhooks_on_recipients)
        # An erased recipient's delivery bodies go with the erasure.
        erasure_subscribe(webhooks_on_erasure)
        worker_companion_add(webhook_retrier)
