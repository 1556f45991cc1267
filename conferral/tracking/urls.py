from django.urls import path

from conferral.tracking import views

app_name = "tracking"
urlpatterns = [
    path("o/<str:public_id>/<str:sig>.gif", views.open_pixel, name="open"),
    path("c/<str:public_id>/<int:link>/<str:sig>", views.click, name="link"),
    # The one link of a message sent before its links were told apart.
    path("c/<str:public_id>/<str:sig>", views.click, name="click"),
    path("h/<str:public_id>/<str:sig>", views.honeypot, name="honeypot"),
]
