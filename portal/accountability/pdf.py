"""The criticism notice and the letter to the regulator (Art. 12(2)) as PDFs.

Rendered from a plain-data context with WeasyPrint; nothing outside is fetched (no base
URL, and a fetcher that refuses every URL), so a document depends on its context alone.
"""

import hashlib

from flask import render_template
from flask_babel import force_locale

from portal.documents import layout

TEMPLATES = {
    "notice": "accountability/pdf_notice.html",
    "regulator": "accountability/pdf_regulator_letter.html",
}
FILENAMES = {"notice": "通报批评.pdf", "regulator": "致监管机构报告.pdf"}


def _title_parts(kind: str, member: str) -> list[str]:
    # The title breaks between phrases only (GB/T 9704-2012 §7.3.1), never in a name.
    if kind == "notice":
        return ["关于对", member, "的通报批评"]
    return ["关于", member, "投诉处理问题的报告"]


def title(kind: str, member: str) -> str:
    return "".join(_title_parts(kind, member))


def frame(kind: str, context: dict, number) -> dict:
    """The document's GB/T 9704-2012 frame: the notice goes down to every member, copied
    to the regulator; the letter goes up to the regulator (its number at the left)."""
    with force_locale("zh"):  # the date of issue in Chinese whoever triggers it
        if kind == "notice":
            return layout.frame(
                title_parts=_title_parts(kind, context["member"]),
                addressees="各会员单位",
                number=number,
                cc=[context["regulator"]] if context.get("regulator") else [],
            )
        return layout.frame(
            title_parts=_title_parts(kind, context["member"]),
            addressees=context.get("regulator", ""),
            number=number,
            upward=True,
        )


def _refuse(url: str):
    raise ValueError(f"external resources are not allowed in documents: {url}")


def render(kind: str, context: dict) -> tuple[bytes, str]:
    """The PDF bytes of document ``kind`` and their sha256."""
    from weasyprint import HTML

    # Documents to the industry and the regulator are in Chinese whatever the reader's UI
    # language, and the sweep or the demo renders them with no request at all.
    with force_locale("zh"):
        html = render_template(TEMPLATES[kind], **context)
    data = HTML(string=html, base_url=None, url_fetcher=_refuse).write_pdf()
    return data, hashlib.sha256(data).hexdigest()
