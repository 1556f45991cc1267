from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "conferral.dashboard"
    label = "dashboard"
