from django.contrib.auth import views as auth_views
from django.urls import path

from conferral.dashboard import mailbox, recipients, views
from conferral.dashboard.forms import EmailAuthenticationForm

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="dashboard/login.html",
            authentication_form=EmailAuthenticationForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("certificates/<str:certificate_id>/", views.certificate_detail, name="certificate"),
    path(
        "certificates/<str:certificate_id>/send/",
        views.certificate_send_view,
        name="certificate_send",
    ),
    # The recipients tab, import and one recipient (conferral.dashboard.recipients).
    path(
        "certificates/<str:certificate_id>/recipients/",
        recipients.certificate_recipients,
        name="certificate_recipients",
    ),
    path(
        "certificates/<str:certificate_id>/import/",
        recipients.certificate_import,
        name="certificate_import",
    ),
    path("recipients/<str:recipient_id>/", recipients.recipient_detail, name="recipient"),
    path("mailbox/", mailbox.mailbox_list, name="mailbox"),
    path("mailbox/<int:message_id>/", mailbox.mailbox_message, name="mailbox_message"),
    path(
        "mailbox/<int:message_id>/html/",
        mailbox.mailbox_message_html,
        name="mailbox_message_html",
    ),
]
