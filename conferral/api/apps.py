from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "conferral.api"
    label = "api"
