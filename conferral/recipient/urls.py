from django.urls import path

from conferral.recipient import views

app_name = "recipient"
urlpatterns = [
    path("r/<str:token>", views.page, name="page"),
    path("v/<str:credential_id>", views.verify, name="verify"),
]
