"""One renderer for a credential's PDF and PNG: typst, with a compiler built once per
process and reused (a few milliseconds per certificate)."""
