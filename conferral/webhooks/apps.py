from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "conferral.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from conferral.certificates.events import event_subscribe
        from conferral.delivery.worker import worker_companion_add
        from conferral.webhooks.subscriber import webhooks_on_events
        from conferral.webhooks.tasks import webhook_retrier

        # Every event batch, once committed, becomes delivery rows for the endpoints
        # that want it; every worker sends the retries that come due.
        event_subscribe(webhooks_on_events)
        worker_companion_add(webhook_retrier)
