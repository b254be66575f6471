"""The QR code of the /track address, as inline SVG (segno, pure Python): printed on the
Art. 4 notice of every campaign outlet so that a customer in the banking hall can follow
a complaint from a phone."""

import segno
from markupsafe import Markup


def qr_svg(url: str, *, scale: int = 4) -> Markup:
    """An SVG element (no XML declaration) drawing ``url`` as a QR code with a quiet
    zone, error correction M; safe to place in a template as it is."""
    code = segno.make(url, error="m", micro=False)
    return Markup(code.svg_inline(scale=scale, border=4, dark="#000", light="#fff"))
