"""One renderer for a credential's PDF and PNG: typst, with compilers built once per
process and borrowed by each render (several threads render at once), and a disk cache
that serves a file rendered before (docs/rendering.md)."""
