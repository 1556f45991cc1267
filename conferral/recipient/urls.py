from django.urls import URLPattern

app_name = "recipient"
urlpatterns: list[URLPattern] = []
