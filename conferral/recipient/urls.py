from django.urls import path

from conferral.delivery import unsubscribe
from conferral.recipient import views

app_name = "recipient"
urlpatterns = [
    path("r/<str:token>", views.page, name="page"),
    path("r/<str:token>/certificate.<str:fmt>", views.download, name="download"),
    path("r/<str:token>/preview.png", views.preview, name="preview"),
    path("r/<str:token>/share/<str:network>", views.share, name="share"),
    path("r/<str:token>/linkedin", views.linkedin_add, name="linkedin_add"),
    path("claim", views.claim, name="claim"),
    path("v/<str:credential_id>", views.verify, name="verify"),
    path("u/<str:public_id>/<str:sig>", unsubscribe.unsubscribe, name="unsubscribe"),
    # Anything else under /r/, /v/ or /u/ (a link cut off or mangled): the same helpful 404s.
    path("r/<path:rest>", views.link_not_found),
    path("v/<path:rest>", views.credential_not_found),
    path("u/<path:rest>", unsubscribe.unsubscribe_not_found),
]
