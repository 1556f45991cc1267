"""A certificate's own design: a page size, an optional background and badge image, and
the fields placed on it (position, width, font, size, colour, alignment).

`Certificate.design` holds it as versioned JSON. This module is the one place that reads
and checks that JSON: `design_validate` turns it into a typed `Design` or says what is
wrong, `design_of` gives the renderer the certificate's design or None (the built-in
design) when nothing is saved or what is saved cannot be read. The writes (saving a
design, uploading its images, copying it) are conferral.certificates.design_services."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conferral.certificates.models import Certificate, Kind

logger = logging.getLogger(__name__)

DESIGN_VERSION = 1
# Larger images are refused before they are decoded (decompression bombs): 25 million
# pixels is more than an A4 page at 400 dpi.
MAX_PIXELS = 25_000_000
MAX_FIELDS = 40
ATTRIBUTE_PREFIX = "attribute:"
ATTRIBUTE_KEY_MAX_LENGTH = 100

Align = Literal["left", "center", "right"]
Font = Literal["sans", "serif", "mono"]

# Page sizes in millimetres, width then height.
PAGES: dict[str, tuple[Promise, float, float]] = {
    "a4-landscape": (gettext_lazy("A4 landscape"), 297.0, 210.0),
    "a4-portrait": (gettext_lazy("A4 portrait"), 210.0, 297.0),
    "letter-landscape": (gettext_lazy("US Letter landscape"), 279.4, 215.9),
    "letter-portrait": (gettext_lazy("US Letter portrait"), 215.9, 279.4),
    "square": (gettext_lazy("Square (badge)"), 120.0, 120.0),
}
# A page of its own size (in `Design.size`), e.g. that of an uploaded background.
CUSTOM_PAGE = "custom"
PAGE_CHOICES: dict[str, Promise] = {
    **{key: label for key, (label, _w, _h) in PAGES.items()},
    CUSTOM_PAGE: gettext_lazy("Custom size"),
}
PAGE_MIN, PAGE_MAX = 20.0, 1200.0
MM_PER_POINT = 25.4 / 72
FONTS: dict[str, Promise] = {
    "sans": gettext_lazy("Sans serif"),
    "serif": gettext_lazy("Serif"),
    "mono": gettext_lazy("Monospace"),
}
ALIGNS: dict[str, Promise] = {
    "left": gettext_lazy("Left"),
    "center": gettext_lazy("Centre"),
    "right": gettext_lazy("Right"),
}
# The fields a design can place, besides the recipients' custom attributes.
FIELDS: dict[str, Promise] = {
    "name": gettext_lazy("Recipient name"),
    "certificate": gettext_lazy("Certificate name"),
    "organization": gettext_lazy("Organization"),
    "description": gettext_lazy("Description"),
    "issue_date": gettext_lazy("Issue date"),
    "expires": gettext_lazy("Expiry date"),
    "credential_id": gettext_lazy("Credential ID"),
    "qr": gettext_lazy("QR code to the verification page"),
}
SIZE_MIN, SIZE_MAX = 4.0, 200.0
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
ASSET_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
DEFAULT_COLOR = "#1f2933"

PNG, JPEG, PDF = "image/png", "image/jpeg", "application/pdf"


class DesignInvalid(ValueError):
    """The design cannot be saved or rendered; `errors` says why, one sentence each."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class PlacedField:
    """One field on the page. `x`, `y` (its box's top-left corner) and `width` are in
    millimetres, `size` in points; a QR code is a square of `width`."""

    key: str
    x: float
    y: float
    width: float
    size: float = 14.0
    color: str = DEFAULT_COLOR
    align: Align = "center"
    font: Font = "sans"
    bold: bool = False
    label: bool = False

    @property
    def is_qr(self) -> bool:
        return self.key == "qr"

    @property
    def attribute(self) -> str | None:
        """The custom attribute's name for an attribute field, else None."""
        if self.key.startswith(ATTRIBUTE_PREFIX):
            return self.key[len(ATTRIBUTE_PREFIX) :]
        return None


@dataclass(frozen=True)
class BadgeImage:
    """The uploaded badge image (a DesignAsset's public id), placed in millimetres."""

    asset: str
    x: float
    y: float
    width: float


@dataclass(frozen=True)
class Design:
    page: str
    fields: tuple[PlacedField, ...] = ()
    background: str | None = None
    badge: BadgeImage | None = None
    # Width and height in millimetres of a custom page; None for the named sizes.
    size: tuple[float, float] | None = None
    version: int = DESIGN_VERSION

    @property
    def width(self) -> float:
        return self.size[0] if self.size else PAGES[self.page][1]

    @property
    def height(self) -> float:
        return self.size[1] if self.size else PAGES[self.page][2]

    def field(self, key: str) -> PlacedField | None:
        return next((f for f in self.fields if f.key == key), None)


@dataclass(frozen=True)
class DesignRead:
    """What is stored in `Certificate.design`: a design, or None with the reason it could
    not be read (`problem` is empty when nothing is stored)."""

    design: Design | None
    problem: str = ""


def field_label(key: str) -> str:
    if key.startswith(ATTRIBUTE_PREFIX):
        return key[len(ATTRIBUTE_PREFIX) :]
    return str(FIELDS.get(key, key))


# -- reading and checking -------------------------------------------------------------


@dataclass
class _Checker:
    errors: list[str] = field(default_factory=list)

    def number(self, value: object, where: str, what: str, low: float, high: float) -> float:
        try:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError
            number = float(str(value).strip().replace(",", "."))
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError
        except ValueError:
            self.errors.append(
                _("%(where)s: %(what)s must be a number.") % {"where": where, "what": what}
            )
            return low
        if not low <= number <= high:
            self.errors.append(
                _("%(where)s: %(what)s must be between %(low)s and %(high)s.")
                % {"where": where, "what": what, "low": f"{low:g}", "high": f"{high:g}"}
            )
        return round(min(max(number, low), high), 2)

    def choice(self, value: object, where: str, what: str, choices: Mapping[str, object]) -> str:
        if isinstance(value, str) and value in choices:
            return value
        self.errors.append(
            _("%(where)s: %(what)s is not one of the choices.") % {"where": where, "what": what}
        )
        return next(iter(choices))

    def flag(self, value: object) -> bool:
        return value is True or (isinstance(value, str) and value.lower() in {"1", "on", "true"})

    def asset(self, value: object) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, str) and ASSET_ID.match(value):
            return value
        self.errors.append(_("The design names an image that does not exist."))
        return None


def _field(raw: object, check: _Checker, width: float, height: float) -> PlacedField | None:
    if not isinstance(raw, dict):
        check.errors.append(_("A field of the design is not readable."))
        return None
    key = raw.get("key")
    if not isinstance(key, str) or not (
        key in FIELDS
        or (
            key.startswith(ATTRIBUTE_PREFIX)
            and 0 < len(key) - len(ATTRIBUTE_PREFIX) <= ATTRIBUTE_KEY_MAX_LENGTH
        )
    ):
        check.errors.append(_("The design places a field that does not exist."))
        return None
    where = field_label(key)
    x = check.number(raw.get("x"), where, _("the left edge (mm)"), 0, width)
    y = check.number(raw.get("y"), where, _("the top edge (mm)"), 0, height)
    box = check.number(raw.get("width"), where, _("the width (mm)"), 1, width)
    if key == "qr":
        return PlacedField(key=key, x=x, y=y, width=box)
    return PlacedField(
        key=key,
        x=x,
        y=y,
        width=box,
        size=check.number(raw.get("size", 14), where, _("the size (pt)"), SIZE_MIN, SIZE_MAX),
        color=_color(raw.get("color", DEFAULT_COLOR), where, check),
        align=cast(
            Align, check.choice(raw.get("align", "center"), where, _("the alignment"), ALIGNS)
        ),
        font=cast(Font, check.choice(raw.get("font", "sans"), where, _("the font"), FONTS)),
        bold=check.flag(raw.get("bold", False)),
        label=check.flag(raw.get("label", False)),
    )


def _color(value: object, where: str, check: _Checker) -> str:
    if isinstance(value, str) and COLOR.match(value.strip()):
        return value.strip().lower()
    check.errors.append(_("%(where)s: the colour must look like #1f2933.") % {"where": where})
    return DEFAULT_COLOR


def design_validate(raw: object) -> Design:
    """The design in `raw` (the JSON stored or built from the editor's form), checked
    in full; DesignInvalid lists every problem."""
    if not isinstance(raw, dict):
        raise DesignInvalid([_("The design is not readable.")])
    version = raw.get("version")
    if version != DESIGN_VERSION:
        raise DesignInvalid(
            [
                _("The design was saved in a format this version does not read (%(version)s).")
                % {"version": version}
            ]
        )
    check = _Checker()
    page = check.choice(raw.get("page"), _("Page"), _("the page size"), PAGE_CHOICES)
    size: tuple[float, float] | None = None
    if page == CUSTOM_PAGE:
        raw_size = raw.get("size")
        if not isinstance(raw_size, list | tuple) or len(raw_size) != 2:
            raw_size = (None, None)
        size = (
            check.number(raw_size[0], _("Page"), _("the width (mm)"), PAGE_MIN, PAGE_MAX),
            check.number(raw_size[1], _("Page"), _("the height (mm)"), PAGE_MIN, PAGE_MAX),
        )
        width, height = size
    else:
        _label, width, height = PAGES[page]
    raw_fields = raw.get("fields", [])
    if not isinstance(raw_fields, list) or len(raw_fields) > MAX_FIELDS:
        raise DesignInvalid(
            [_("A design places at most %(count)s fields.") % {"count": MAX_FIELDS}]
        )
    fields: list[PlacedField] = []
    for item in raw_fields:
        placed = _field(item, check, width, height)
        if placed is None:
            continue
        if any(f.key == placed.key for f in fields):
            check.errors.append(
                _("%(where)s is placed twice.") % {"where": field_label(placed.key)}
            )
            continue
        fields.append(placed)
    badge: BadgeImage | None = None
    raw_badge = raw.get("badge")
    if isinstance(raw_badge, dict):
        asset = check.asset(raw_badge.get("asset"))
        where = _("Badge image")
        if asset is not None:
            badge = BadgeImage(
                asset=asset,
                x=check.number(raw_badge.get("x"), where, _("the left edge (mm)"), 0, width),
                y=check.number(raw_badge.get("y"), where, _("the top edge (mm)"), 0, height),
                width=check.number(raw_badge.get("width"), where, _("the width (mm)"), 1, width),
            )
    elif raw_badge is not None:
        check.errors.append(_("The badge image of the design is not readable."))
    design = Design(
        page=page,
        fields=tuple(fields),
        background=check.asset(raw.get("background")),
        badge=badge,
        size=size,
    )
    if check.errors:
        raise DesignInvalid(check.errors)
    return design


def design_read(raw: object) -> DesignRead:
    """What a certificate's stored design says; never raises."""
    if raw in (None, {}, ""):
        return DesignRead(None)
    try:
        return DesignRead(design_validate(raw))
    except DesignInvalid as invalid:
        return DesignRead(None, str(invalid))


def design_of(certificate: Certificate) -> Design | None:
    """The certificate's design for the renderer, or None for the built-in design (also
    when the stored JSON is old or invalid: that is logged, and the editor says so)."""
    read = design_read(certificate.design)
    if read.problem:
        logger.warning(
            "certificate %s: stored design not readable, using the built-in design: %s",
            certificate.public_id,
            read.problem,
        )
    return read.design


def design_dump(design: Design) -> dict[str, Any]:
    """The JSON stored in `Certificate.design`."""
    fields: list[dict[str, Any]] = []
    for placed in design.fields:
        item: dict[str, Any] = {
            "key": placed.key,
            "x": placed.x,
            "y": placed.y,
            "width": placed.width,
        }
        if not placed.is_qr:
            item.update(
                size=placed.size,
                color=placed.color,
                align=placed.align,
                font=placed.font,
                bold=placed.bold,
                label=placed.label,
            )
        fields.append(item)
    return {
        "version": design.version,
        "page": design.page,
        **({"size": list(design.size)} if design.size else {}),
        "background": design.background,
        "badge": (
            {
                "asset": design.badge.asset,
                "x": design.badge.x,
                "y": design.badge.y,
                "width": design.badge.width,
            }
            if design.badge
            else None
        ),
        "fields": fields,
    }


def design_starter(certificate: Certificate) -> Design:
    """A first layout for the editor, close to the built-in design's."""
    if certificate.kind == Kind.BADGE:
        return Design(
            page="square",
            fields=(
                PlacedField("certificate", 15, 30, 90, size=15, bold=True, font="serif"),
                PlacedField("name", 15, 55, 90, size=13, bold=True, font="serif"),
                PlacedField("issue_date", 15, 70, 90, size=7, label=True),
                PlacedField("qr", 52, 80, 16),
            ),
        )
    return Design(
        page="a4-landscape",
        fields=(
            PlacedField("organization", 30, 28, 237, size=11, color="#52606d"),
            PlacedField("certificate", 30, 70, 237, size=24, bold=True, font="serif"),
            PlacedField("name", 30, 100, 237, size=34, bold=True, font="serif"),
            PlacedField("issue_date", 30, 170, 80, size=11, align="left", label=True),
            PlacedField("credential_id", 30, 180, 120, size=9, align="left", label=True),
            PlacedField("qr", 245, 150, 26),
        ),
    )


# -- writing ---------------------------------------------------------------------------
