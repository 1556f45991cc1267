"""Organization settings → sending domain, through the dashboard: owners and admins set
it up, check it, change and remove it; viewers see it and change nothing; another
organization's page does not exist; every bad value is a clear error that keeps what
was there."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conferral.accounts.models import Organization, Role
from conferral.accounts.services import user_create
from conferral.delivery.domains.models import SendingDomain
from conferral.delivery.domains.tests.conftest import publish_all
from conferral.testing.dns import DnsZone

FORM = {
    "domain": "Acme.Example.",
    "from_name": "Acme Academy",
    "from_local_part": "certificates",
    "reply_to": "office@acme.example",
    "return_path_domain": "",
    "email_url": "",
}


def _url(organization: Organization, name: str = "sending_domain") -> str:
    return reverse(f"dashboard:{name}", kwargs={"organization_id": organization.public_id})


def test_it_sets_up_a_domain_publishes_its_records_and_checks_them(
    user_client: Client, org: Organization, dns_zone: DnsZone
) -> None:
    response = user_client.post(_url(org), FORM, follow=True)

    assert response.status_code == 200
    domain = SendingDomain.objects.get(organization=org)
    assert domain.domain == "acme.example"
    assert domain.return_path_domain == "bounces.acme.example"
    assert domain.dkim_selector_rsa.startswith("rsa-")
    assert domain.dkim_selector_ed25519.startswith("ed25519-")
    page = response.content.decode()
    assert "acme.example was set up with new DKIM keys" in page
    assert f"{domain.dkim_selector_rsa}._domainkey.acme.example" in page
    assert "v=DKIM1; k=ed25519; p=" in page
    assert "v=DMARC1; p=none; rua=mailto:dmarc-reports@acme.example" in page
    assert "10 mx.conferral.example." in page
    assert "PRIVATE KEY" not in page
    assert not domain.check_passed

    publish_all(dns_zone, domain)
    checked = user_client.post(_url(org, "sending_domain_check"), follow=True)

    assert "Every record of acme.example is published" in checked.content.decode()
    domain.refresh_from_db()
    assert domain.check_passed


def test_it_shows_which_record_is_missing_after_a_check(
    user_client: Client, org: Organization, domain: SendingDomain, published: DnsZone
) -> None:
    published.remove(f"{domain.dkim_selector_ed25519}._domainkey.acme.example", "TXT")

    page = user_client.post(_url(org, "sending_domain_check"), follow=True).content.decode()

    assert "Some records of acme.example are missing or wrong" in page
    row = page.split('id="record-dkim-ed25519"')[1].split("</tr>")[0]
    assert "missing" in row
    assert "No DKIM key is published at this name." in row
    assert "missing" not in page.split('id="record-dkim-rsa"')[1].split("</tr>")[0]


def test_it_refuses_a_bad_domain_name_and_keeps_the_saved_one(
    user_client: Client, org: Organization, domain: SendingDomain
) -> None:
    response = user_client.post(_url(org), {**FORM, "domain": "acme_example..org"})

    assert response.status_code == 400
    assert "is not a valid domain name" in response.content.decode()
    domain.refresh_from_db()
    assert domain.domain == "acme.example"


def test_it_refuses_a_return_path_outside_the_domain(
    user_client: Client, org: Organization
) -> None:
    response = user_client.post(_url(org), {**FORM, "return_path_domain": "bounces.other.example"})

    assert response.status_code == 400
    assert "must be acme.example or one of its subdomains" in response.content.decode()
    assert not SendingDomain.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("domain", "acme.123", "is not a valid domain name"),
        ("from_local_part", "cert ificates", "cannot be the part of an address before the @"),
        ("reply_to", "office@", "is not a valid reply-to address"),
        ("email_url", "django://conferral.nowhere.EmailBackend", "cannot be imported"),
    ],
)
def test_it_refuses_each_bad_value_with_a_clear_error(
    user_client: Client, org: Organization, field: str, value: str, error: str
) -> None:
    response = user_client.post(_url(org), {**FORM, field: value})

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not SendingDomain.objects.exists()


def test_it_keeps_an_internationalised_domain_in_its_dns_form(
    user_client: Client, org: Organization
) -> None:
    assert user_client.post(_url(org), {**FORM, "domain": "Bücher.example"}).status_code == 302

    domain = SendingDomain.objects.get()
    assert (domain.domain, domain.return_path_domain) == (
        "xn--bcher-kva.example",
        "bounces.xn--bcher-kva.example",
    )


def test_it_refuses_a_bad_mail_service_url_with_the_reason(
    user_client: Client, org: Organization
) -> None:
    response = user_client.post(_url(org), {**FORM, "email_url": "smtp://:secret@:587"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "The mail service URL cannot be used: a host is required" in page
    assert "secret" not in page
    assert not SendingDomain.objects.exists()


def test_it_never_shows_the_mail_service_password_and_keeps_it(
    user_client: Client, org: Organization, domain: SendingDomain
) -> None:
    url = "smtp://mailer:s3cret-pass@smtp.acme.example:587?starttls=1"
    user_client.post(_url(org), {**FORM, "email_url": url})
    domain.refresh_from_db()
    assert domain.email_url == url

    page = user_client.get(_url(org)).content.decode()
    assert "s3cret-pass" not in page
    assert "smtp://mailer@smtp.acme.example:587?starttls=1" in page

    shown = {**FORM, "email_url": "smtp://mailer@smtp.acme.example:587?starttls=1"}
    user_client.post(_url(org), {**shown, "from_name": "Acme Certificates"})
    domain.refresh_from_db()
    assert domain.email_url == url
    assert domain.from_name == "Acme Certificates"


def test_it_forgets_the_check_when_the_domain_changes(
    user_client: Client, org: Organization, domain: SendingDomain, published: DnsZone
) -> None:
    user_client.post(_url(org, "sending_domain_check"))
    domain.refresh_from_db()
    assert domain.check_passed

    user_client.post(_url(org), {**FORM, "from_name": "Only the name"})
    domain.refresh_from_db()
    assert domain.check_passed

    user_client.post(_url(org), {**FORM, "domain": "mail.acme.example"})
    domain.refresh_from_db()
    assert domain.domain == "mail.acme.example"
    assert not domain.check_passed


def test_it_makes_new_keys_under_new_selectors(
    user_client: Client, org: Organization, domain: SendingDomain
) -> None:
    before = (
        domain.dkim_selector_rsa,
        domain.dkim_private_key_rsa,
        domain.dkim_private_key_ed25519,
    )

    page = user_client.post(_url(org, "sending_domain_keys"), follow=True).content.decode()

    domain.refresh_from_db()
    after = (domain.dkim_selector_rsa, domain.dkim_private_key_rsa, domain.dkim_private_key_ed25519)
    assert all(old != new for old, new in zip(before, after, strict=True))
    assert "New DKIM keys were made for acme.example" in page
    assert domain.dkim_selector_rsa in page


def test_it_answers_404_to_a_check_when_there_is_no_domain(
    user_client: Client, org: Organization
) -> None:
    assert user_client.post(_url(org, "sending_domain_check")).status_code == 404


def test_it_removes_the_domain(
    user_client: Client, org: Organization, domain: SendingDomain
) -> None:
    page = user_client.post(_url(org, "sending_domain_delete"), follow=True).content.decode()

    assert "messages go from certificates@conferral.localhost again" in page
    assert not SendingDomain.objects.exists()


def test_it_lets_a_viewer_see_the_domain_but_change_nothing(
    viewer_client: Client, org: Organization, domain: SendingDomain
) -> None:
    page = viewer_client.get(_url(org))
    assert page.status_code == 200
    assert "acme.example" in page.content.decode()
    assert "Only owners and admins can change the sending domain." in page.content.decode()

    for name, data in (
        ("sending_domain", {**FORM, "domain": "viewer.example"}),
        ("sending_domain_check", {}),
        ("sending_domain_keys", {}),
        ("sending_domain_delete", {}),
    ):
        assert viewer_client.post(_url(org, name), data).status_code == 403, name

    after = SendingDomain.objects.get()
    assert (after.domain, after.dkim_private_key_rsa, after.checked_at) == (
        domain.domain,
        domain.dkim_private_key_rsa,
        None,
    )


def test_it_lets_an_admin_set_up_the_domain(client: Client, org: Organization) -> None:
    user_create(email="admin@acme.test", password="pw-admin-123", organization=org, role=Role.ADMIN)
    client.login(username="admin@acme.test", password="pw-admin-123")

    assert client.post(_url(org), FORM).status_code == 302
    assert SendingDomain.objects.filter(organization=org).exists()


def test_it_does_not_show_or_change_another_organizations_domain(
    user_client: Client, other_org: Organization
) -> None:
    from conferral.delivery.domains.services import DomainSettings, sending_domain_save

    theirs = sending_domain_save(organization=other_org, values=DomainSettings("other.example"))

    assert user_client.get(_url(other_org)).status_code == 404
    for name in ("sending_domain", "sending_domain_check", "sending_domain_keys"):
        assert user_client.post(_url(other_org, name), FORM).status_code == 404, name
    assert user_client.post(_url(other_org, "sending_domain_delete")).status_code == 404
    assert SendingDomain.objects.get(pk=theirs.pk).domain == "other.example"


def test_it_links_the_page_from_the_team_page(user_client: Client, org: Organization) -> None:
    page = user_client.get(reverse("dashboard:team")).content.decode()

    assert _url(org) in page
