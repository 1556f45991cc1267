from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "conferral.providers"
    label = "providers"

    def ready(self) -> None:
        # Every provider's tracking webhook (django-anymail) reports through one signal.
        from anymail.signals import tracking

        from conferral.providers.tracking import tracking_received

        tracking.connect(tracking_received, dispatch_uid="conferral.providers.tracking")
