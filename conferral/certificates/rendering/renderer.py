"""Compile a credential to PDF or PNG with typst, once: the file is kept in the render
cache (rendering.cache) under a key made of everything typst reads, and served from
there on the next download.

Typst reads the template files, the fonts, the design's images and the inputs: the
credential's fields as JSON (name, dates, attributes, credential id, verification link,
labels in the certificate's language, the certificate's own design with its images
named by their SHA-256) and the QR code's SVG. The key hashes the fields, the QR code's
link, the format and resolution, and a fingerprint of the rest (typst's and segno's
versions, the templates' bytes, the font files), so an edited name, a new design or
image, another language or an upgrade renders anew; nothing needs to be cleared. The
QR code itself is drawn only to compile (it costs more than a cached download). Revoked
or unclaimed credentials are refused by the views before they ask for a file.

Compilers come from a pool (rendering.compilers), one per thread rendering at the same
moment, all built from this process's copy of the templates (typst reads files only
below its root); the designs' images are written beside them once per process."""

from __future__ import annotations

import atexit
import hashlib
import io
import json
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

import typst
from django.conf import settings
from django.dispatch import Signal
from PIL import Image

from conferral.certificates.design import Design, design_of
from conferral.certificates.models import DesignAsset, Recipient
from conferral.certificates.rendering.cache import RenderedFile, render_cache
from conferral.certificates.rendering.compilers import CompilerPool
from conferral.certificates.rendering.design_inputs import EXTENSIONS as EXTENSIONS
from conferral.certificates.rendering.design_inputs import ImageFile, design_inputs
from conferral.certificates.rendering.fields import credential_fields
from conferral.certificates.rendering.qr import QR_STYLE, qr_svg

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAIN = TEMPLATES / "credential.typ"
# The PNG is the image a recipient shares: the networks show a shared image at most
# 1200 pixels wide (LinkedIn, Facebook). At 128 ppi a landscape A4 certificate is
# 1497 x 1058 pixels and a badge 605 pixels square, the QR code 4.5 pixels a module;
# rasterising and encoding cost goes with the pixels, a fifth fewer than at 144 ppi.
PNG_PPI = 128.0
PREVIEW_PPI = 96.0

Format = Literal["pdf", "png"]

# Sent after typst compiled a document (`format`: "pdf" or "png"), whether for a
# download (then kept in the cache) or for the editor's preview.
document_rendered = Signal()


class RenderError(RuntimeError):
    """The design could not be compiled, or the files typst reads could not be written
    (a full disk): either way the visitor is asked to try again, nothing is recorded."""


def _unwritable(error: OSError) -> RenderError:
    logger.error("could not write the files typst reads: %s", error)
    return RenderError(f"could not write the files typst reads: {error}")


def font_paths() -> list[str]:
    return [str(p) for p in map(Path, settings.FONT_PATHS) if p.is_dir()]


@cache
def _root(pid: int) -> Path:
    """This process's copy of the templates, with an `assets/` folder beside them for
    the designs' images (typst reads files only below its root)."""
    try:
        root = Path(tempfile.mkdtemp(prefix=f"conferral-typst-{pid}-"))
    except OSError as error:
        raise _unwritable(error) from error
    try:
        for template in TEMPLATES.glob("*.typ"):
            shutil.copyfile(template, root / template.name)
        (root / "assets").mkdir()
    except OSError as error:
        shutil.rmtree(root, ignore_errors=True)  # the next render starts afresh
        raise _unwritable(error) from error
    atexit.register(shutil.rmtree, root, True)
    return root


@cache
def _fonts(pid: int) -> typst.Fonts:
    """The fonts, loaded once per process and shared by all its compilers."""
    return typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=True, font_paths=font_paths()
    )


@cache
def _pool(pid: int) -> CompilerPool:
    root = _root(pid)
    return CompilerPool(root / MAIN.name, root, _fonts(pid))


_first_use = threading.Lock()


def _this_process_pool() -> CompilerPool:
    """The pool (and so the root) of this process: built once, even when its first
    renders come from several threads at once."""
    with _first_use:
        return _pool(os.getpid())


@cache
def _fingerprint(pid: int) -> str:
    """What a render depends on besides its inputs: typst's version, the templates, how
    the QR code is drawn and the font files (by path, size and modification time)."""
    digest = hashlib.sha256(f"typst {version('typst')}\0{QR_STYLE}".encode())
    for template in sorted(TEMPLATES.glob("*.typ")):
        digest.update(template.name.encode() + b"\0" + template.read_bytes())
    for path in sorted({font.path for font in _fonts(pid).fonts() if font.path}):
        try:
            stat = os.stat(path)
        except OSError:
            continue
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _pixels(data: bytes, encoding: str, size: tuple[int, int]) -> bytes:
    """The upload decoded to raw pixels in this encoding and size."""
    try:
        with Image.open(io.BytesIO(data)) as decoded:
            upload: Image.Image = decoded
            if upload.mode.startswith("I"):  # 16-bit grey: to 8 bits, not clipped
                upload = upload.convert("I").point(lambda value: value * (1 / 256))
                upload = upload.convert("L")
            pixels = upload.convert("RGBA" if encoding == "rgba8" else "RGB")
    except (OSError, ValueError) as error:  # checked at upload; a damaged row
        logger.error("could not decode a design's image: %s", error)
        raise RenderError(f"could not decode a design's image: {error}") from error
    if pixels.size != size:
        pixels = pixels.resize(size, Image.Resampling.LANCZOS)
    return pixels.tobytes()


def _write(target: Path, content: bytes) -> None:
    partial = target.with_suffix(f".{threading.get_ident()}.part")
    try:
        partial.write_bytes(content)
        partial.replace(target)
    except OSError as error:
        partial.unlink(missing_ok=True)  # never a truncated image read as whole
        raise _unwritable(error) from error


def _write_image(image: ImageFile, root: Path) -> None:
    """The image's files below the compiler's root, written on first use in a process:
    the upload as it is, and the raw pixels made from it when typst reads those."""
    original = root / image.original
    if not original.exists():
        data = DesignAsset.objects.filter(pk=image.asset_pk).values_list("data", flat=True)
        _write(original, bytes(data.get()))
    target = root / image.name
    if image.pixels is not None and not target.exists():
        _write(target, _pixels(original.read_bytes(), image.encoding, image.pixels))


@dataclass(frozen=True)
class RenderJob:
    """One document to compile: the fields as typst reads them (JSON), the link the QR
    code leads to, the images the fields name, format and ppi."""

    data: str
    qr_url: str
    images: tuple[ImageFile, ...]
    fmt: Format
    ppi: float | None

    @property
    def key(self) -> str:
        """The render cache's name for the document this job makes."""
        described = {
            "renderer": _fingerprint(os.getpid()),
            "format": self.fmt,
            "ppi": self.ppi,
            "data": self.data,
            "qr": self.qr_url,
        }
        return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()

    def compile(self) -> bytes:
        pool = _this_process_pool()
        for image in self.images:
            _write_image(image, pool.root)
        inputs = {"data": self.data, "qr": qr_svg(self.qr_url)}
        with pool.borrowed() as compiler:
            try:
                if self.fmt == "png":
                    output = compiler.compile(format="png", ppi=self.ppi, sys_inputs=inputs)
                else:
                    output = compiler.compile(format="pdf", sys_inputs=inputs)
            except typst.TypstError as exc:
                logger.exception("typst could not compile the credential")
                raise RenderError(str(exc)) from exc
        if isinstance(output, list):  # one image per page; the designs have one page
            output = output[0]
        if not isinstance(output, bytes):
            raise RenderError("typst returned no document")
        document_rendered.send(sender=RenderJob, format=self.fmt)
        return output


def render_job(
    recipient: Recipient, design: Design | None, fmt: Format, ppi: float | None = None
) -> RenderJob:
    """The credential in this design (None: the built-in design) as typst reads it."""
    fields: dict[str, Any] = credential_fields(recipient)
    resolution = (ppi or PNG_PPI) if fmt == "png" else None
    images: tuple[ImageFile, ...] = ()
    if design is not None:
        placed = design_inputs(design, fields, recipient.certificate.pk, resolution)
        fields["design"], images = placed.inputs, placed.images
    data = json.dumps(fields, ensure_ascii=False)
    return RenderJob(data, str(fields["verify_url"]), images, fmt, resolution)


def credential_file(recipient: Recipient, fmt: Format, ppi: float | None = None) -> RenderedFile:
    """The recipient's credential as PDF or PNG in the certificate's design: from the
    render cache, or rendered and kept there."""
    job = render_job(recipient, design_of(recipient.certificate), fmt, ppi)
    store = render_cache()
    key = job.key
    kept = store.get(key, fmt)
    if kept is not None:
        return kept
    return store.put(key, fmt, job.compile())


def credential_render(recipient: Recipient, fmt: Format, ppi: float | None = None) -> bytes:
    """The recipient's credential as PDF or PNG bytes, in the certificate's design."""
    return credential_file(recipient, fmt, ppi).content


def credential_render_design(
    recipient: Recipient, design: Design | None, fmt: Format, ppi: float | None = None
) -> bytes:
    """The credential in a design the editor shows (possibly unsaved, for a sample
    recipient not saved either): rendered each time, never kept."""
    return render_job(recipient, design, fmt, ppi).compile()
