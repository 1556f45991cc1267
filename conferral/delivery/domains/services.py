"""Setting up an organization's sending domain: the only writers of `SendingDomain`.

A change to what the DNS records depend on (the domain, the return-path domain, the
mail service) or to the keys forgets the last check, so the domain is not used for
sending until a new check finds the records published."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conferral.accounts.models import Organization
from conferral.certificates.services import ServiceError
from conferral.delivery.domains import keys
from conferral.delivery.domains.check import records_check
from conferral.delivery.domains.models import SendingDomain
from conferral.delivery.domains.records import records_for
from conferral.delivery.email_url import email_url_parse
from conferral.delivery.transports import backend_check

LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
RETURN_PATH_PREFIX = "bounces."
MAX_DOMAIN = 253


class DomainInvalid(ServiceError):
    """A sending domain setting that cannot be used; the message says which and why,
    `field` names the setting."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class DomainSettings:
    domain: str
    from_name: str = ""
    from_local_part: str = "certificates"
    reply_to: str = ""
    return_path_domain: str = ""  # empty: bounces.<domain>
    email_url: str = ""  # empty: the installation's mail service


def domain_name_clean(value: str, *, label: str, field: str) -> str:
    """A host name as DNS stores it: lower case, IDNA (xn--) for other scripts, no
    trailing dot; at least two labels, none longer than 63 characters."""
    name = value.strip().rstrip(".").lower()
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise DomainInvalid(
            _("%(label)s “%(value)s” is not a valid domain name.")
            % {"label": label, "value": value},
            field=field,
        ) from error
    labels = name.split(".")
    if (
        len(name) > MAX_DOMAIN
        or len(labels) < 2
        or not all(LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise DomainInvalid(
            _(
                "%(label)s “%(value)s” is not a valid domain name: use letters, digits and "
                "hyphens, with a dot between the parts, e.g. example.org."
            )
            % {"label": label, "value": value},
            field=field,
        )
    return name


def _email_url_clean(url: str, previous: str) -> str:
    """The mail service URL, checked; left without a password, it keeps the saved
    one for the same server and user (the page never shows the password back)."""
    url = url.strip()
    if not url:
        return ""
    try:
        config = email_url_parse(url)
        backend_check(config)
    except ImproperlyConfigured as error:
        problem = str(error).partition("': ")[2] or str(error)
        raise DomainInvalid(
            _("The mail service URL cannot be used: %(problem)s") % {"problem": problem},
            field="email_url",
        ) from error
    if config.password or not previous:
        return url
    old, new = urlsplit(previous), urlsplit(url)
    if old.password and (old.scheme, old.hostname, old.port, old.username) == (
        new.scheme,
        new.hostname,
        new.port,
        new.username,
    ):
        netloc = f"{old.username}:{old.password}@{new.netloc.rpartition('@')[2]}"
        return urlunsplit(new._replace(netloc=netloc))
    return url


def email_url_shown(url: str) -> str:
    """The mail service URL without its password, for the page."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}@{host}"))


def _cleaned(values: DomainSettings, previous: SendingDomain | None) -> dict[str, str]:
    domain = domain_name_clean(values.domain, label=_("The domain"), field="domain")
    return_path = values.return_path_domain.strip() or RETURN_PATH_PREFIX + domain
    return_path = domain_name_clean(
        return_path, label=_("The return-path domain"), field="return_path_domain"
    )
    if return_path != domain and not return_path.endswith("." + domain):
        raise DomainInvalid(
            _(
                "The return-path domain %(return_path)s must be %(domain)s or one of its "
                "subdomains, or DMARC will not count SPF for it."
            )
            % {"return_path": return_path, "domain": domain},
            field="return_path_domain",
        )
    local_part = values.from_local_part.strip()
    if not LOCAL_PART.match(local_part) or len(local_part) > 64:
        raise DomainInvalid(
            _("“%(local)s” cannot be the part of an address before the @.") % {"local": local_part},
            field="from_local_part",
        )
    reply_to = values.reply_to.strip()
    if reply_to:
        try:
            validate_email(reply_to)
        except ValidationError as error:
            raise DomainInvalid(
                _("“%(address)s” is not a valid reply-to address.") % {"address": reply_to},
                field="reply_to",
            ) from error
    return {
        "domain": domain,
        "from_name": " ".join(values.from_name.split())[:200],
        "from_local_part": local_part,
        "reply_to": reply_to,
        "return_path_domain": return_path,
        "email_url": _email_url_clean(values.email_url, previous.email_url if previous else ""),
    }


def _keys_new(domain: SendingDomain) -> None:
    rsa_pair, ed_pair = keys.rsa_generate(), keys.ed25519_generate()
    domain.dkim_selector_rsa, domain.dkim_private_key_rsa = rsa_pair.selector, rsa_pair.private_pem
    domain.dkim_selector_ed25519 = ed_pair.selector
    domain.dkim_private_key_ed25519 = ed_pair.private_pem


def _check_forget(domain: SendingDomain) -> None:
    domain.last_check = {}
    domain.checked_at = None


@transaction.atomic
def sending_domain_save(*, organization: Organization, values: DomainSettings) -> SendingDomain:
    """Create the organization's sending domain (with new DKIM keys) or change it."""
    domain = SendingDomain.objects.select_for_update().filter(organization=organization).first()
    cleaned = _cleaned(values, domain)
    if domain is None:
        domain = SendingDomain(organization=organization, **cleaned)
        _keys_new(domain)
        domain.save()
        return domain
    if any(
        getattr(domain, name) != cleaned[name]
        for name in ("domain", "return_path_domain", "email_url")
    ):
        _check_forget(domain)
    for name, value in cleaned.items():
        setattr(domain, name, value)
    domain.save()
    return domain


def sending_domain_delete(*, organization: Organization) -> bool:
    """Back to the installation's sender; False when there was no domain."""
    deleted, _counts = SendingDomain.objects.filter(organization=organization).delete()
    return deleted > 0


def sending_domain_keys_regenerate(*, domain: SendingDomain) -> SendingDomain:
    """New DKIM keys under new selectors: the old records may stay published until
    the messages signed with them have arrived."""
    _keys_new(domain)
    _check_forget(domain)
    domain.save()
    return domain


def sending_domain_check(*, domain: SendingDomain) -> SendingDomain:
    """Look up every record and keep the result; the domain is used once it passed."""
    domain.last_check = records_check(records_for(domain))
    domain.checked_at = timezone.now()
    domain.save(update_fields=["last_check", "checked_at", "updated_at"])
    return domain
