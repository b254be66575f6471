"""Cases for the complainant's side (/track, the online return visit), driven through
the portal's own forms by the people of the two-bank province (``handoff_support.Desk``).
The complainant is 王丽, mobile 13812341234 (last four 1234)."""

import re

from sqlalchemy import select

from portal.complaints.models import Complaint
from portal.db import db

LAST_FOUR = "1234"
# Everything personal or textual the case holds, none of which /track may show.
PRIVATE = ("王丽", "13812341234", "138****", "柜员态度差", "道歉", "已向王丽致歉", "处理完毕")


def tracking_no(app, case_id: int) -> str:
    with app.app_context():
        return db.session.scalar(select(Complaint.tracking_no).where(Complaint.id == case_id))


def closed_case(desk, outlet="bank1-outlet1", bank="bank1") -> int:
    """Registered, forwarded, accepted, verified, replied at the outlet, reported, closed."""
    case_id = desk.register(outlet=outlet)
    desk.step("assoc-staff", case_id, "forward")
    desk.step(f"{bank}-a", case_id, "accept")
    desk.step(f"{bank}-a", case_id, "verify", finding="substantiated", facts="调阅监控属实。")
    desk.step(f"{bank}-a", case_id, "forward_down", unit_id=desk.province.unit(outlet).id)
    desk.step(
        outlet,
        case_id,
        "final_reply",
        result="已向王丽致歉。",
        told_at="2026-11-23T09:50",
        told_how="phone",
        reaction="接受",
    )
    desk.step(f"{bank}-a", case_id, "report", summary="处理完毕。")
    desk.step("assoc-staff", case_id, "close", note="同意办结")
    return case_id


def without_csrf(body: str) -> str:
    """A page with its CSRF tokens blanked: they differ on every answer whatever it says."""
    body = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', body)
    return re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": ""', body)


def qr_modules_on_page(png_path, n: int, columns=(0.65, 0.95)):
    """The n×n modules (dark True) of the QR code drawn on a page rendered to PNG
    (pdftoppm), or None: within the band of ``columns`` (fractions of the page width),
    the block of rows set apart by white whose dark pixels span a square at least
    150 px high (at 200 dpi), sampled at each module's centre. No decoder is at hand;
    comparing with the matrix segno makes for the expected address checks the same."""
    from PIL import Image

    image = Image.open(png_path).convert("L")
    width, height = image.size
    image = image.crop((int(columns[0] * width), 0, int(columns[1] * width), height))
    px = image.load()
    width, height = image.size

    def runs(values):
        found, start, last = [], values[0], values[0]
        for value in [*values[1:], None]:
            if value is None or value - last > 10:
                found.append((start, last))
                start = value
            last = value
        return found

    dark_rows = [y for y in range(height) if any(px[x, y] < 128 for x in range(width))]
    for top, bottom in runs(dark_rows):
        if bottom - top < 150:
            continue
        cols = [x for x in range(width) if any(px[x, y] < 128 for y in range(top, bottom + 1))]
        for left, right in runs(cols):
            if abs((right - left) - (bottom - top)) <= 3:
                size = (right - left + 1) / n
                return [
                    [
                        px[int(left + (c + 0.5) * size), int(top + (r + 0.5) * size)] < 128
                        for c in range(n)
                    ]
                    for r in range(n)
                ]
    return None
