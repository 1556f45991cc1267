from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "conferral.accounts"
    label = "accounts"
