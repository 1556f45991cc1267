"""Where the share and "Add to LinkedIn profile" buttons lead. These fixed network
addresses are the only places outside Conferral a recipient page redirects to."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils import translation
from django.utils.translation import gettext as _

from conferral.certificates.links import verify_url
from conferral.certificates.models import Recipient
from conferral.tracking.services import Network

SHARE_ENDPOINTS = {
    Network.LINKEDIN: ("https://www.linkedin.com/sharing/share-offsite/", "url"),
    Network.FACEBOOK: ("https://www.facebook.com/sharer/sharer.php", "u"),
    Network.X: ("https://x.com/intent/post", "url"),
}
LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def share_url(recipient: Recipient, network: Network) -> str:
    """The network's share dialog for this credential's verification page."""
    endpoint, url_param = SHARE_ENDPOINTS[network]
    params = {url_param: verify_url(recipient)}
    if network == Network.X:
        certificate = recipient.certificate
        with translation.override(certificate.language):
            params["text"] = _("I earned “%(certificate)s” from %(organization)s.") % {
                "certificate": certificate.name,
                "organization": certificate.organization.name,
            }
    return f"{endpoint}?{urlencode(params)}"


def linkedin_add_url(recipient: Recipient) -> str:
    """LinkedIn's "Add licence or certification" form, filled in."""
    certificate = recipient.certificate
    issued = certificate.issue_date or recipient.created_at.date()
    params: dict[str, str | int] = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.name,
        "organizationName": certificate.organization.name,
        "issueYear": issued.year,
        "issueMonth": issued.month,
    }
    if certificate.expires_at:
        params["expirationYear"] = certificate.expires_at.year
        params["expirationMonth"] = certificate.expires_at.month
    params["certUrl"] = verify_url(recipient)
    params["certId"] = recipient.credential_id
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(params)}"
