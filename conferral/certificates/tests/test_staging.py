"""Uploads kept on the server for an import preview: bounded, never empty, found only
by the random names they were given, and gone after an hour."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.fixtures import Settings

from conferral.certificates.csvtext import ImportFileInvalid
from conferral.certificates.staging import (
    STAGED_MAX_AGE,
    StagedExpired,
    staged_discard,
    staged_path,
    staged_sweep,
    upload_stage,
)


@pytest.fixture(autouse=True)
def data_dir(settings: Settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path / "imports"


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("list.csv", data, content_type="text/csv")


def test_it_keeps_an_upload_under_a_random_name(data_dir: Path) -> None:
    name = upload_stage(_upload(b"name,email\nAda,ada@example.com\n"))
    assert staged_path(name).read_bytes() == b"name,email\nAda,ada@example.com\n"
    assert staged_path(name).parent == data_dir
    staged_discard(name)
    with pytest.raises(StagedExpired):
        staged_path(name)


@pytest.mark.parametrize("name", ["../../etc/passwd", "x" * 31, "", "a/b" + "c" * 29])
def test_it_finds_nothing_by_a_name_it_did_not_make(name: str) -> None:
    with pytest.raises(StagedExpired):
        staged_path(name)
    staged_discard(name)  # and removes nothing


def test_it_forgets_an_upload_after_an_hour(data_dir: Path) -> None:
    old = upload_stage(_upload(b"name\nAda\n"))
    new = upload_stage(_upload(b"name\nBob\n"))
    then = time.time() - STAGED_MAX_AGE - 60
    os.utime(data_dir / old, (then, then))
    staged_sweep()
    assert not (data_dir / old).exists()
    assert staged_path(new).exists()
    os.utime(data_dir / new, (then, then))
    with pytest.raises(StagedExpired):
        staged_path(new)
    assert not (data_dir / new).exists()


def test_it_refuses_a_file_too_big_or_empty(settings: Settings, data_dir: Path) -> None:
    settings.IMPORT_MAX_BYTES = 10
    with pytest.raises(ImportFileInvalid):
        upload_stage(_upload(b"x" * 11))
    lying = _upload(b"x" * 11)
    lying.size = None  # a size the client did not tell: counted while copying
    with pytest.raises(ImportFileInvalid):
        upload_stage(lying)
    with pytest.raises(ImportFileInvalid, match="empty"):
        upload_stage(_upload(b""))
    assert list(data_dir.iterdir()) == []
