"""Every response carries the site-wide Content-Security-Policy unless its view set a
stricter one; over https Conferral sends HSTS and secure cookies and passes Django's
deployment checks; the API documentation loads nothing from another host."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from conferral.certificates.models import Certificate
from conferral.core.security import CONTENT_SECURITY_POLICY

REAL_KEY = "a-real-production-key-" + "k7Qp" * 12
HTTPS_SITE = {
    "BASE_URL": "https://certs.example.org",
    "SECRET_KEY": REAL_KEY,
    "TRUSTED_PROXIES": "127.0.0.1",
}
# Ask for the login page through the trusted proxy in front, over https.
THROUGH_THE_PROXY = """
import django, json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "conferral.settings"
django.setup()
from django.test import Client
response = Client().get(
    "/login/", HTTP_HOST="certs.example.org", HTTP_X_FORWARDED_PROTO="https"
)
print(json.dumps({
    "status": response.status_code,
    "hsts": response.headers.get("Strict-Transport-Security", ""),
    "csrf_cookie_secure": bool(response.cookies["csrftoken"]["secure"]),
}))
"""


def _run(data_dir: Path, args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    # Nothing of this test process's set-up (say, the browser tests' async switch).
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CONFERRAL_", "DJANGO_"))}
    clean["CONFERRAL_DATA_DIR"] = str(data_dir)
    clean.update({f"CONFERRAL_{name}": value for name, value in env.items()})
    return subprocess.run(
        [sys.executable, *args], env=clean, capture_output=True, text=True, timeout=300
    )


def test_it_puts_the_policy_on_pages_errors_and_static_files(
    client: Client, user_client: Client
) -> None:
    anonymous = [
        client.get("/login/"),
        client.get("/t/c/NOSUCHRECIPIENT00/forged/"),
        client.get("/static/dashboard/dashboard.css"),
        client.get("/api/v1/docs"),
    ]
    signed_in = user_client.get("/")

    for response in [*anonymous, signed_in]:
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_it_keeps_the_stricter_policy_a_view_sets_itself(
    user_client: Client, certificate: Certificate
) -> None:
    preview = user_client.get(
        reverse("dashboard:certificate_email_preview", args=[certificate.public_id])
    )

    assert preview.status_code == 200
    assert preview["Content-Security-Policy"].startswith("sandbox; default-src 'none'")


def test_it_sends_hsts_and_secure_cookies_over_https(tmp_path: Path) -> None:
    result = _run(tmp_path, ["-c", THROUGH_THE_PROXY], **HTTPS_SITE)

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["status"] == 200
    assert answer["hsts"] == "max-age=31536000; includeSubDomains"
    assert answer["csrf_cookie_secure"] is True


def test_it_sends_no_hsts_on_the_plain_http_default(client: Client) -> None:
    assert "Strict-Transport-Security" not in client.get("/login/").headers


def test_it_passes_the_deployment_checks_over_https_with_a_real_key(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        ["-m", "django", "check", "--deploy", "--settings=conferral.settings"],
        **HTTPS_SITE,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr + result.stdout


def test_it_serves_the_api_docs_without_any_other_host(client: Client) -> None:
    page = client.get("/api/v1/docs")

    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {urlsplit(asset).path for asset in assets} >= {
        "/static/ninja/swagger-ui-bundle.js",
        "/static/ninja/swagger-ui.css",
    }
    for asset in assets:
        assert not urlsplit(asset).netloc, asset
        assert client.get(asset).status_code == 200, asset
    # Swagger UI would otherwise fetch a validity badge from validator.swagger.io.
    assert '"validatorUrl": null' in html


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRUSTED_PROXIES": "10.0.0.0/33"}, "CONFERRAL_TRUSTED_PROXIES: '10.0.0.0/33' is neither"),
        (
            {"TRUSTED_PROXIES": "127.0.0.1,proxy.example.org"},
            "CONFERRAL_TRUSTED_PROXIES: 'proxy.example.org' is neither",
        ),
        (
            {**HTTPS_SITE, "HSTS_SECONDS": "a year"},
            "CONFERRAL_HSTS_SECONDS must be a whole number",
        ),
    ],
)
def test_it_refuses_to_start_on_a_bad_setting(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = _run(tmp_path, ["-c", "import conferral.settings"], **env)

    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
