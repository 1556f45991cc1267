from django.apps import AppConfig


class BadgesConfig(AppConfig):
    name = "conferral.badges"
    label = "badges"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from conferral.badges.erasure import badges_on_erasure
        from conferral.certificates.erasure import erasure_subscribe

        # An erased recipient's signed documents go with the erasure.
        erasure_subscribe(badges_on_erasure)
