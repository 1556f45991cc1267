from django.apps import AppConfig


class DomainsConfig(AppConfig):
    name = "conferral.delivery.domains"
    label = "domains"
