from django.urls import path

from conferral.badges import finding_views, views

app_name = "badges"
urlpatterns = [
    path("badges/verify", views.verify_upload, name="verify_upload"),
    path("badges/find", finding_views.find, name="find"),
    path("badges/credentials/<str:credential_uuid>", views.credential, name="credential"),
    path("badges/credentials/<str:credential_uuid>/image.<str:fmt>", views.image, name="image"),
    path("badges/<str:organization>/did.json", views.did_json, name="did"),
    path("badges/<str:organization>/status/<int:number>", views.status_list, name="status_list"),
]
