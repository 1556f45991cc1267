from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "conferral.certificates"
    label = "certificates"
