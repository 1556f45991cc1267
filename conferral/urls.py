from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("conferral.api.urls")),
    path("t/", include("conferral.tracking.urls")),
    path("dashboard/reports/", include("conferral.bounces.urls")),
    # Email providers' tracking webhooks (django-anymail's views, refusing while unset).
    path("anymail/", include("conferral.providers.urls")),
    path("", include("conferral.badges.urls")),
    path("", include("conferral.recipient.urls")),
    path("", include("conferral.dashboard.urls")),
]
