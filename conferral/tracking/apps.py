from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "conferral.tracking"
    label = "tracking"
