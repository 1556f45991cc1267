from django.urls import path

from conferral.tracking import views

app_name = "tracking"
urlpatterns = [
    path("o/<str:public_id>/<str:sig>.gif", views.open_pixel, name="open"),
    path("c/<str:public_id>/<str:sig>", views.click, name="click"),
]
