"""QR codes for OCOP product pages, printed on packaging so buyers can check the certificate."""

from __future__ import annotations

import io

import segno

# Medium error correction survives a scuffed or partly covered label; the quiet zone is the standard 4 modules.
QR_ERROR = "m"
QR_SCALE = 4
QR_BORDER = 4


def product_qr_svg(*, url: str) -> bytes:
    """A standalone SVG document (with its XML namespace, for <img> and files) of a QR code encoding ``url``."""
    buffer = io.BytesIO()
    segno.make(url, error=QR_ERROR, micro=False).save(buffer, kind="svg", scale=QR_SCALE, border=QR_BORDER)
    return buffer.getvalue()
