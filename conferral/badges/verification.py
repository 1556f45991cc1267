"""Verifying a credential someone uploads or pastes on the verification page: its
proof, its status list entry, its dates and, when asked, whether an email address is
the recipient's. Only credentials of this installation's issuers can be checked (their
keys and status lists are here; nothing is fetched), and each check says in words what
it found, so a failing credential tells why."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from conferral.badges.baking import BakingError, credential_text_of
from conferral.badges.did import key_of_method, organization_of_did
from conferral.badges.issuing import identity_hash
from conferral.badges.loader import VC_V2, ContextRefused, shipped_loader
from conferral.badges.models import BadgeCredential, StatusList
from conferral.badges.proof import ProofError, proof_of, proof_verify
from conferral.badges.status_list import StatusListError, bitstring_bit, status_list_credential

UPLOAD_MAX = 5 * 1024 * 1024


@dataclass(frozen=True)
class Check:
    label: str
    ok: bool
    message: str


@dataclass
class Verdict:
    """What was checked; `valid` only when every check passed."""

    error: str = ""  # the input could not be read as a credential at all
    checks: list[Check] = field(default_factory=list)
    name: str = ""
    issuer: str = ""
    replaced_by: str = ""
    erased: bool = False  # its issuer erased it: nothing of it is checked or shown

    @property
    def valid(self) -> bool:
        return not self.error and bool(self.checks) and all(check.ok for check in self.checks)


def _parse(data: bytes) -> dict[str, Any]:
    text = credential_text_of(data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BakingError(_("This is not JSON: %(error)s") % {"error": exc.msg}) from exc
    if not isinstance(document, dict):
        raise BakingError(_("A credential is a JSON object."))
    return document


def _issuer_id(document: dict[str, Any]) -> str:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else ""


def _proof_check(document: dict[str, Any], issuer: str) -> Check:
    label = _("Signature")
    proof = proof_of(document)
    method = proof.get("verificationMethod") if proof is not None else None
    if isinstance(method, str) and method.partition("#")[0] != issuer:
        return Check(label, False, _("The proof was not made with a key of the issuer."))
    try:
        proof_verify(document, public_key=key_of_method, loader=shipped_loader())
    except ContextRefused as exc:
        return Check(label, False, _("It names an unknown context: %(url)s") % {"url": exc.url})
    except ProofError as exc:
        return Check(label, False, str(exc))
    return Check(label, True, _("Signed by the issuer's key, and unchanged since."))


def _status_list_of(url: str) -> StatusList | None:
    base = urlsplit(settings.BASE_URL)
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.view_name != "badges:status_list":
        return None
    return (
        StatusList.objects.select_related("organization")
        .filter(organization__public_id=match.kwargs["organization"], number=match.kwargs["number"])
        .first()
    )


def _status_check(document: dict[str, Any], issuer: str) -> Check:
    label = _("Status")
    entry = document.get("credentialStatus")
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        return Check(label, False, _("It has no status list entry, so it cannot be checked."))
    status_list = _status_list_of(str(entry.get("statusListCredential", "")))
    index = str(entry.get("statusListIndex", ""))
    if status_list is None or not index.isdigit():
        return Check(label, False, _("Its status list is not one of this site's."))
    listed = status_list_credential(status_list)
    try:
        proof_verify(listed, public_key=key_of_method, loader=shipped_loader())
        revoked = bitstring_bit(listed["credentialSubject"]["encodedList"], int(index))
    except (ProofError, StatusListError) as exc:
        return Check(label, False, str(exc))
    if _issuer_id(listed) != issuer:
        return Check(label, False, _("Its status list belongs to another issuer."))
    if revoked:
        return Check(label, False, _("The issuer has revoked or replaced this credential."))
    return Check(label, True, _("Not revoked."))


def _moment(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _dates_check(document: dict[str, Any], now: dt.datetime) -> Check:
    label = _("Dates")
    valid_from = _moment(document.get("validFrom"))
    valid_until = _moment(document.get("validUntil")) if "validUntil" in document else None
    if valid_from is None or ("validUntil" in document and valid_until is None):
        return Check(label, False, _("Its dates are missing or not dates."))
    if now < valid_from:
        return Check(label, False, _("It is not valid yet."))
    if valid_until is not None and now > valid_until:
        return Check(label, False, _("It has expired."))
    return Check(label, True, _("Within its validity dates."))


def _email_check(document: dict[str, Any], email: str) -> Check:
    label = _("Recipient")
    subject = document.get("credentialSubject")
    identifiers = subject.get("identifier", []) if isinstance(subject, dict) else []
    for identifier in identifiers if isinstance(identifiers, list) else []:
        if not isinstance(identifier, dict) or identifier.get("identityType") != "emailAddress":
            continue
        salt = str(identifier.get("salt", ""))
        if identifier.get("identityHash") == identity_hash(email, salt):
            return Check(label, True, _("This email address is the recipient's."))
    return Check(label, False, _("This email address is not the recipient's."))


def credential_verify(data: bytes, *, email: str = "", now: dt.datetime | None = None) -> Verdict:
    """Check an uploaded or pasted credential (JSON, or a baked PNG or SVG)."""
    if len(data) > UPLOAD_MAX:
        return Verdict(error=_("The file is larger than 5 MB."))
    try:
        document = _parse(data)
    except BakingError as exc:
        return Verdict(error=str(exc))
    contexts = document.get("@context")
    types = document.get("type")
    if not isinstance(contexts, list) or contexts[:1] != [VC_V2]:
        return Verdict(error=_("This is not a Verifiable Credential 2.0."))
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        return Verdict(error=_("This is not a Verifiable Credential 2.0."))
    issuer = _issuer_id(document)
    if organization_of_did(issuer) is None:
        return Verdict(error=_("This credential was not issued by an issuer of this site."))
    if _erased(document):
        return Verdict(
            error=_("This credential was erased by its issuer: it is no longer valid."),
            erased=True,
        )
    verdict = Verdict(name=str(document.get("name", "")), issuer=issuer)
    verdict.checks.append(_proof_check(document, issuer))
    verdict.checks.append(_status_check(document, issuer))
    verdict.checks.append(_dates_check(document, now or timezone.now()))
    if email.strip():
        verdict.checks.append(_email_check(document, email))
    replaced = _replacement(document)
    if replaced:
        verdict.replaced_by = replaced
    return verdict


def _uuid_of(document: dict[str, Any]) -> str:
    """The UUID at the end of the credential's id (empty when there is none)."""
    text = str(document.get("id", "")).rstrip("/").rpartition("/")[2]
    return text if _is_uuid(text) else ""


def _erased(document: dict[str, Any]) -> bool:
    """Whether the credential is one of ours whose recipient its issuer erased."""
    found = _uuid_of(document)
    return (
        bool(found)
        and BadgeCredential.objects.filter(uuid=found, recipient__erased_at__isnull=False).exists()
    )


def _replacement(document: dict[str, Any]) -> str:
    """The id of the credential that replaced this one, if it was reissued."""
    credential_id = str(document.get("id", ""))
    uuid_text = credential_id.rstrip("/").rpartition("/")[2]
    row = (
        BadgeCredential.objects.filter(uuid=uuid_text, replaced_by__isnull=False)
        .select_related("replaced_by")
        .first()
        if _is_uuid(uuid_text)
        else None
    )
    return "" if row is None or row.replaced_by is None else str(row.replaced_by.document["id"])


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
