from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CertificatesConfig(AppConfig):
    name = "conferral.certificates"
    label = "certificates"

    def ready(self) -> None:
        # SQLite folds only ASCII letters; the recipient search needs every script.
        from conferral.certificates.search import casefold_register
        from conferral.certificates.tally_triggers import insert_switch_register

        connection_created.connect(casefold_register, dispatch_uid="conferral.casefold")
        # The tally's insert trigger asks whether its rows are being counted at once.
        connection_created.connect(insert_switch_register, dispatch_uid="conferral.tally")
