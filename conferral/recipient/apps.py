from django.apps import AppConfig


class RecipientConfig(AppConfig):
    name = "conferral.recipient"
    label = "recipient"
