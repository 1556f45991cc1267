from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "conferral.core"
    label = "core"
