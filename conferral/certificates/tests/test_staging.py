"""Uploads kept for an import preview: bounded, never empty, found only by the random
names they were given and only for their own certificate, and gone after an hour."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization
from conferral.certificates.csvtext import ImportFileInvalid
from conferral.certificates.models import Certificate, StagedUpload
from conferral.certificates.services import certificate_create
from conferral.certificates.staging import (
    STAGED_MAX_AGE,
    StagedExpired,
    staged_data,
    staged_discard,
    staged_sweep,
    upload_stage,
)


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("list.csv", data, content_type="text/csv")


def _age(name: str, seconds: float) -> None:
    StagedUpload.objects.filter(name=name).update(
        created_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
    )


def test_it_keeps_an_upload_under_a_random_name(certificate: Certificate) -> None:
    name = upload_stage(_upload(b"name,email\nAda,ada@example.com\n"), certificate=certificate)
    assert len(name) == 32
    assert staged_data(certificate=certificate, name=name) == b"name,email\nAda,ada@example.com\n"
    staged_discard(name)
    with pytest.raises(StagedExpired):
        staged_data(certificate=certificate, name=name)


def test_it_gives_an_upload_to_its_own_certificate_only(
    certificate: Certificate, other_org: Organization
) -> None:
    theirs = certificate_create(organization=other_org, name="Theirs")
    name = upload_stage(_upload(b"name\nAda\n"), certificate=theirs)
    with pytest.raises(StagedExpired):
        staged_data(certificate=certificate, name=name)
    assert staged_data(certificate=theirs, name=name) == b"name\nAda\n"


@pytest.mark.parametrize("name", ["../../etc/passwd", "x" * 31, "", "a/b" + "c" * 29])
def test_it_finds_nothing_by_a_name_it_did_not_make(certificate: Certificate, name: str) -> None:
    with pytest.raises(StagedExpired):
        staged_data(certificate=certificate, name=name)
    staged_discard(name)  # and removes nothing


def test_it_forgets_an_upload_after_an_hour(certificate: Certificate) -> None:
    old = upload_stage(_upload(b"name\nAda\n"), certificate=certificate)
    new = upload_stage(_upload(b"name\nBob\n"), certificate=certificate)
    _age(old, STAGED_MAX_AGE + 60)
    staged_sweep()
    assert not StagedUpload.objects.filter(name=old).exists()
    assert staged_data(certificate=certificate, name=new) == b"name\nBob\n"
    _age(new, STAGED_MAX_AGE + 60)
    with pytest.raises(StagedExpired):
        staged_data(certificate=certificate, name=new)
    assert not StagedUpload.objects.exists()


def test_it_refuses_a_file_too_big_or_empty(settings: Settings, certificate: Certificate) -> None:
    settings.IMPORT_MAX_BYTES = 10
    with pytest.raises(ImportFileInvalid):
        upload_stage(_upload(b"x" * 11), certificate=certificate)
    lying = _upload(b"x" * 11)
    lying.size = None  # a size the client did not tell: counted while reading
    with pytest.raises(ImportFileInvalid):
        upload_stage(lying, certificate=certificate)
    with pytest.raises(ImportFileInvalid, match="empty"):
        upload_stage(_upload(b""), certificate=certificate)
    assert not StagedUpload.objects.exists()
