"""Baking: the credential carried inside its badge image, as Open Badges 3.0 defines
it, and read back out of one.

- PNG: an `iTXt` chunk with the keyword `openbadgecredential` and the credential JSON
  as its (uncompressed) text, placed before `IEND`;
- SVG: an `openbadges:credential` element in the https://purl.imsglobal.org/ob/v3p0
  namespace, first in the root, the JSON in a CDATA section. Conferral renders PNGs,
  so its SVG is the PNG inside an `<image>`, with the credential beside it."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from typing import Any

from lxml import etree

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
SVG = "http://www.w3.org/2000/svg"
SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"


class BakingError(ValueError):
    """The image is not a PNG or SVG, is broken, or carries no credential."""


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    if not png.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG image")
    chunks, at = [], len(PNG_SIGNATURE)
    while at < len(png):
        if at + 8 > len(png):
            raise BakingError("the PNG image is cut off")
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        data = png[at + 8 : at + 8 + length]
        if len(data) != length or at + 12 + length > len(png):
            raise BakingError("the PNG image is cut off")
        chunks.append((kind, data))
        at += 12 + length
        if kind == b"IEND":
            break
    return chunks


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bake(png: bytes, credential: dict[str, Any]) -> bytes:
    """`png` with the credential in an iTXt chunk (any earlier one replaced)."""
    text = json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode()
    itxt = PNG_KEYWORD + b"\0" + b"\0\0" + b"\0" + b"\0" + text
    out = [PNG_SIGNATURE]
    for kind, data in _chunks(png):
        if kind == b"iTXt" and data.startswith(PNG_KEYWORD + b"\0"):
            continue
        if kind == b"IEND":
            out.append(_chunk(b"iTXt", itxt))
        out.append(_chunk(kind, data))
    return b"".join(out)


def png_unbake(png: bytes) -> str:
    """The credential text of a baked PNG."""
    for kind, data in _chunks(png):
        if kind != b"iTXt" or not data.startswith(PNG_KEYWORD + b"\0"):
            continue
        rest = data[len(PNG_KEYWORD) + 1 :]
        if len(rest) < 2:
            raise BakingError("the PNG's credential chunk is broken")
        compressed, rest = rest[0], rest[2:]
        _language, _, rest = rest.partition(b"\0")
        _translated, _, text = rest.partition(b"\0")
        try:
            return (zlib.decompress(text) if compressed else text).decode()
        except (zlib.error, UnicodeDecodeError) as exc:
            raise BakingError("the PNG's credential chunk is broken") from exc
    raise BakingError("the PNG image carries no credential")


def svg_bake(png: bytes, width: int, height: int, credential: dict[str, Any]) -> bytes:
    """An SVG showing `png`, with the credential baked in."""
    text = json.dumps(credential, ensure_ascii=False, indent=2)
    root = etree.fromstring(
        f'<svg xmlns="{SVG}" xmlns:openbadges="{SVG_NAMESPACE}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"/>'
    )
    baked = etree.SubElement(root, f"{{{SVG_NAMESPACE}}}credential")
    baked.text = etree.CDATA(text)
    etree.SubElement(
        root,
        f"{{{SVG}}}image",
        attrib={
            "width": str(width),
            "height": str(height),
            "href": "data:image/png;base64," + base64.b64encode(png).decode(),
        },
    )
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return out


def svg_unbake(svg: bytes) -> str:
    """The credential text of a baked SVG (parsed with no entities, DTDs or network)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(svg, parser)
    except etree.XMLSyntaxError as exc:
        raise BakingError("not a well-formed SVG image") from exc
    found = root.find(f".//{{{SVG_NAMESPACE}}}credential")
    if found is None:
        raise BakingError("the SVG image carries no credential")
    text = (found.text or "").strip()
    if not text:
        verify = found.get("verify")
        raise BakingError(
            "the SVG names its credential by URL only"
            if verify
            else "the SVG carries no credential"
        )
    return text


def credential_text_of(data: bytes) -> str:
    """The credential text of an upload: a baked PNG or SVG, or the JSON itself."""
    if data.startswith(PNG_SIGNATURE):
        return png_unbake(data)
    head = data.lstrip()[:200].lower()
    if head.startswith(b"<"):
        return svg_unbake(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BakingError("neither a PNG, an SVG nor JSON text") from exc
