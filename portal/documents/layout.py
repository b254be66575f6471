"""The frame of an official document (GB/T 9704-2012) as plain data for
``templates/documents/_gbt9704.html``: issuing body's mark, number, date of issue,
title lines, addressees, the colophon, and the configured fonts.

A document not issued yet (a bulletin's draft or preview) prints placeholders where the
number and the date will stand: both are given at publication only (``operations.issue``).
"""

from flask import current_app

from portal.documents.models import DocumentNumber
from portal.documents.rules import DATE_PLACEHOLDER, PLACEHOLDER, font_stacks, title_lines
from portal.web.i18n import cn_date


def frame(
    *,
    title_parts: list[str],
    addressees: str,
    number: DocumentNumber | None,
    cc: list[str] | tuple[str, ...] = (),
    upward: bool = False,
) -> dict:
    """``upward``: a document to a higher authority (the letter to the regulator), whose
    number stands at the left (§7.2.4) instead of the centre."""
    config = current_app.config
    issuer = config["DOCUMENT_ISSUER"]
    fonts = font_stacks(config)
    issued_on = cn_date(number.issued_on) if number is not None else DATE_PLACEHOLDER
    return {
        "issuer": issuer,
        "mark": f"{issuer}文件",
        "number": number.number if number is not None else PLACEHOLDER,
        "issued": number is not None,
        "issued_on": issued_on,
        "title_lines": title_lines(title_parts),
        "addressees": addressees,
        "cc": "、".join(cc),
        "printer": issuer,
        "upward": upward,
        "fonts": {
            "serif": fonts.serif,
            "sans": fonts.sans,
            "kai": fonts.kai,
            "fang": fonts.fang,
        },
    }
