from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "conferral.delivery"
    label = "delivery"

    def ready(self) -> None:
        # A mail URL that cannot work is a clear error at start-up, not at the first send.
        from conferral.delivery.email_url import email_config
        from conferral.delivery.transports import backend_check

        backend_check(email_config())
