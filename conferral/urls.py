from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("conferral.api.urls")),
    path("t/", include("conferral.tracking.urls")),
    path("", include("conferral.recipient.urls")),
    path("", include("conferral.dashboard.urls")),
]
