from django.contrib.auth import views as auth_views
from django.urls import path

from conferral.core.throttle_views import ThrottledLoginView
from conferral.dashboard import (
    badges,
    design,
    editing,
    importing,
    mailbox,
    privacy,
    recipient,
    recipients,
    sending_domain,
    team,
    views,
    webhooks,
)
from conferral.dashboard.forms import EmailAuthenticationForm

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        ThrottledLoginView.as_view(
            template_name="dashboard/login.html",
            authentication_form=EmailAuthenticationForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("certificates/new/", editing.certificate_new, name="certificate_new"),
    path("certificates/<str:certificate_id>/", views.certificate_detail, name="certificate"),
    path(
        "certificates/<str:certificate_id>/send/",
        views.certificate_send_view,
        name="certificate_send",
    ),
    path(
        "certificates/<str:certificate_id>/progress/",
        views.certificate_progress,
        name="certificate_progress",
    ),
    # Shaping a certificate (conferral.dashboard.editing; "new" is above the detail page).
    path(
        "certificates/<str:certificate_id>/settings/",
        editing.certificate_settings,
        name="certificate_settings",
    ),
    path(
        "certificates/<str:certificate_id>/email-preview/",
        editing.certificate_email_preview,
        name="certificate_email_preview",
    ),
    path(
        "certificates/<str:certificate_id>/test-email/",
        editing.certificate_test_email,
        name="certificate_test_email",
    ),
    path(
        "certificates/<str:certificate_id>/duplicate/",
        editing.certificate_duplicate_view,
        name="certificate_duplicate",
    ),
    path(
        "certificates/<str:certificate_id>/archive/",
        editing.certificate_archive_view,
        name="certificate_archive",
    ),
    path(
        "certificates/<str:certificate_id>/publish/",
        editing.certificate_publish_view,
        name="certificate_publish",
    ),
    path(
        "certificates/<str:certificate_id>/schedule/",
        editing.certificate_schedule,
        name="certificate_schedule",
    ),
    path(
        "certificates/<str:certificate_id>/schedule/cancel/",
        editing.certificate_schedule_cancel_view,
        name="certificate_schedule_cancel",
    ),
    # The recipients tab, import and one recipient (conferral.dashboard.recipients).
    path(
        "certificates/<str:certificate_id>/recipients/",
        recipients.certificate_recipients,
        name="certificate_recipients",
    ),
    path(
        "certificates/<str:certificate_id>/import/",
        importing.certificate_import,
        name="certificate_import",
    ),
    path(
        "certificates/<str:certificate_id>/import/confirm/",
        importing.certificate_import_confirm,
        name="certificate_import_confirm",
    ),
    path(
        "certificates/<str:certificate_id>/recipients/add/",
        recipients.recipient_add,
        name="recipient_add",
    ),
    path(
        "certificates/<str:certificate_id>/recipients/bulk/",
        recipients.certificate_recipients_bulk,
        name="certificate_recipients_bulk",
    ),
    path(
        "certificates/<str:certificate_id>/recipients/export/",
        recipients.certificate_recipients_export,
        name="certificate_recipients_export",
    ),
    path("recipients/<str:recipient_id>/", recipient.recipient_detail, name="recipient"),
    path("recipients/<str:recipient_id>/edit/", recipient.recipient_edit, name="recipient_edit"),
    path(
        "recipients/<str:recipient_id>/resend/",
        recipient.recipient_resend_view,
        name="recipient_resend",
    ),
    path(
        "recipients/<str:recipient_id>/delete/",
        recipient.recipient_delete_view,
        name="recipient_delete",
    ),
    path(
        "recipients/<str:recipient_id>/token/",
        recipient.recipient_token_view,
        name="recipient_token",
    ),
    path(
        "recipients/<str:recipient_id>/revoke/",
        recipient.recipient_revoke_view,
        name="recipient_revoke",
    ),
    path(
        "recipients/<str:recipient_id>/erase/",
        recipient.recipient_erase_view,
        name="recipient_erase",
    ),
    path(
        "recipients/<str:recipient_id>/badge/reissue/",
        badges.recipient_badge_reissue,
        name="recipient_badge_reissue",
    ),
    path(
        "recipients/<str:recipient_id>/certificate.pdf",
        recipient.recipient_download,
        name="recipient_download",
    ),
    # The design tab: editor, live preview and image upload (conferral.dashboard.design).
    path(
        "certificates/<str:certificate_id>/design/",
        design.certificate_design,
        name="certificate_design",
    ),
    path(
        "certificates/<str:certificate_id>/design/preview.png",
        design.certificate_design_preview,
        name="certificate_design_preview",
    ),
    path(
        "certificates/<str:certificate_id>/design/upload/",
        design.certificate_design_upload,
        name="certificate_design_upload",
    ),
    path("mailbox/", mailbox.mailbox_list, name="mailbox"),
    path("mailbox/<int:message_id>/", mailbox.mailbox_message, name="mailbox_message"),
    path(
        "mailbox/<int:message_id>/html/",
        mailbox.mailbox_message_html,
        name="mailbox_message_html",
    ),
    # The team, roles, invitations, switching organizations and password resets
    # (conferral.dashboard.team).
    path("team/", team.team, name="team"),
    path("team/invite/", team.team_invite, name="team_invite"),
    path(
        "team/members/<int:membership_id>/role/",
        team.team_member_role,
        name="team_member_role",
    ),
    path(
        "team/members/<int:membership_id>/remove/",
        team.team_member_remove,
        name="team_member_remove",
    ),
    path(
        "team/invitations/<int:invitation_id>/revoke/",
        team.team_invitation_revoke,
        name="team_invitation_revoke",
    ),
    path("organizations/switch/", team.organization_switch, name="organization_switch"),
    path("invitations/<str:secret>/", team.invitation_accept_view, name="invitation_accept"),
    *team.password_reset_urls(),
    # Organization settings: the sending domain (conferral.delivery.domains).
    path(
        "organizations/<str:organization_id>/sending-domain/",
        sending_domain.sending_domain,
        name="sending_domain",
    ),
    path(
        "organizations/<str:organization_id>/sending-domain/check/",
        sending_domain.sending_domain_check_view,
        name="sending_domain_check",
    ),
    path(
        "organizations/<str:organization_id>/sending-domain/keys/",
        sending_domain.sending_domain_keys_view,
        name="sending_domain_keys",
    ),
    path(
        "organizations/<str:organization_id>/sending-domain/delete/",
        sending_domain.sending_domain_delete_view,
        name="sending_domain_delete",
    ),
    # Organization settings: privacy (conferral.accounts.privacy).
    path("organizations/<str:organization_id>/privacy/", privacy.privacy, name="privacy"),
    # Organization settings: webhooks (conferral.webhooks).
    path("organizations/<str:organization_id>/webhooks/", webhooks.webhooks, name="webhooks"),
    path(
        "organizations/<str:organization_id>/webhooks/<str:endpoint_id>/",
        webhooks.webhook_endpoint,
        name="webhook_endpoint",
    ),
    path(
        "organizations/<str:organization_id>/webhooks/<str:endpoint_id>/delete/",
        webhooks.webhook_delete,
        name="webhook_delete",
    ),
    path(
        "organizations/<str:organization_id>/webhooks/<str:endpoint_id>/enable/",
        webhooks.webhook_enable,
        name="webhook_enable",
    ),
    path(
        "organizations/<str:organization_id>/webhook-deliveries/<str:delivery_id>/replay/",
        webhooks.webhook_replay,
        name="webhook_replay",
    ),
]
