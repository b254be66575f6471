"""The criticism notice and the letter to the regulator (Art. 12(2)) as PDFs.

Rendered from a plain-data context with WeasyPrint; nothing outside is fetched (no base
URL, and a fetcher that refuses every URL), so a document depends on its context alone.
"""

import hashlib

from flask import render_template
from flask_babel import force_locale

TEMPLATES = {
    "notice": "accountability/pdf_notice.html",
    "regulator": "accountability/pdf_regulator_letter.html",
}
FILENAMES = {"notice": "通报批评.pdf", "regulator": "致监管机构报告.pdf"}


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
