from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "conferral.stats"
    label = "stats"
