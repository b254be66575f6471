"""The Art. 4 notice: the complaint numbers a campaign outlet displays, as an A4 PDF.

Rendered with WeasyPrint from the template alone (no base URL; every fetch refused), in
Chinese whatever the reader's language: the notice hangs in a Chinese banking hall.
"""

from flask import current_app, render_template
from flask_babel import force_locale

from portal.orgs.contacts import Contacts, NoticeLine, missing, notice_lines
from portal.orgs.models import Unit
from portal.tracking.qr import qr_svg


def lines_for(outlet: Unit, contacts: Contacts) -> list[NoticeLine]:
    bank = outlet.member
    return notice_lines(
        outlet_name=outlet.name,
        outlet_phone=outlet.complaint_phone,
        bank_name=bank.name if bank is not None else "",
        system_phone=outlet.system_phone,
        contacts=contacts,
    )


def _refuse(url: str, *args, **kwargs):
    raise ValueError(f"a notice fetches no outside resources: {url[:80]}")


def render_notice(outlet: Unit, contacts: Contacts, *, printed_on) -> bytes:
    from weasyprint import HTML

    lines = lines_for(outlet, contacts)
    # The customer follows a complaint online: the address and its QR code (inline SVG).
    track_url = current_app.config["BASE_URL"] + "/track"
    with force_locale("zh"):
        html = render_template(
            "admin/notices/pdf.html",
            outlet=outlet,
            lines=lines,
            missing=missing(lines),
            contacts=contacts,
            printed_on=printed_on,
            track_url=track_url,
            track_qr=qr_svg(track_url),
        )
    return HTML(string=html, base_url=None, url_fetcher=_refuse).write_pdf()
