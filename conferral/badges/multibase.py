"""Multibase base58btc and the Multikey encoding of Ed25519 keys (the `z6Mk…` public
keys of a DID document, the `z…` proof values), written out because it is forty lines
and no dependency carries it without much else."""

from __future__ import annotations

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
INDEX = {char: value for value, char in enumerate(ALPHABET)}
ED25519_PUBLIC = b"\xed\x01"  # the multicodec header of an Ed25519 public key
ED25519_SECRET = b"\x80\x26"  # … and of an Ed25519 private key (its 32-byte seed)


class MultibaseError(ValueError):
    """Not a base58btc multibase value (or not the kind of key expected)."""


def base58_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = ALPHABET[rest] + out
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + out


def base58_decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in INDEX:
            raise MultibaseError(f"not base58: {char!r}")
        number = number * 58 + INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_encode(data: bytes) -> str:
    return "z" + base58_encode(data)


def multibase_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("z"):
        raise MultibaseError("a base58btc multibase value starts with 'z'")
    return base58_decode(text[1:])


def public_key_multibase(raw: bytes) -> str:
    return multibase_encode(ED25519_PUBLIC + raw)


def public_key_raw(multikey: str) -> bytes:
    data = multibase_decode(multikey)
    if not data.startswith(ED25519_PUBLIC) or len(data) != 34:
        raise MultibaseError("not an Ed25519 Multikey public key")
    return data[2:]


def secret_key_raw(multikey: str) -> bytes:
    data = multibase_decode(multikey)
    if not data.startswith(ED25519_SECRET) or len(data) != 34:
        raise MultibaseError("not an Ed25519 Multikey private key")
    return data[2:]
