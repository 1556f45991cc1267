from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from conferral.accounts.models import Organization


class SendingDomain(models.Model):
    """The domain an organization's certificate emails come from. It is used for
    sending once its last DNS check passed (`conferral.delivery.domains.selectors.domain_in_use`):
    before that, receivers would see a From domain that neither SPF nor DKIM vouches for."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="sending_domain"
    )
    domain = models.CharField(_("domain"), max_length=253)
    from_name = models.CharField(_("sender name"), max_length=200, blank=True)
    from_local_part = models.CharField(_("sender address"), max_length=64, default="certificates")
    reply_to = models.EmailField(_("reply-to address"), max_length=254, blank=True)
    return_path_domain = models.CharField(_("return-path domain"), max_length=253)
    # Same syntax as CONFERRAL_EMAIL_URL; empty: the installation's own mail service.
    email_url = models.CharField(_("mail service URL"), max_length=2000, blank=True)
    dkim_selector_rsa = models.CharField(max_length=63)
    dkim_private_key_rsa = models.TextField()
    dkim_selector_ed25519 = models.CharField(max_length=63)
    dkim_private_key_ed25519 = models.TextField()
    last_check = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.domain

    @property
    def from_address(self) -> str:
        return f"{self.from_local_part}@{self.domain}"

    @property
    def check_passed(self) -> bool:
        return self.checked_at is not None and self.last_check.get("ok") is True
