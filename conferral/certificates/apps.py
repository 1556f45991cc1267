from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CertificatesConfig(AppConfig):
    name = "conferral.certificates"
    label = "certificates"

    def ready(self) -> None:
        # SQLite folds only ASCII letters; the recipient search needs every script.
        from conferral.certificates.search import casefold_register

        connection_created.connect(casefold_register, dispatch_uid="conferral.casefold")
