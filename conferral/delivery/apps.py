from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "conferral.delivery"
    label = "delivery"
