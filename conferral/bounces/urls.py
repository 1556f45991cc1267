from django.urls import path

from conferral.bounces import views

app_name = "bounces"

urlpatterns = [
    path("<int:pk>/", views.report_detail, name="report"),
]
