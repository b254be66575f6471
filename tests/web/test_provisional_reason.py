"""A deadline in a year whose official holidays are not yet announced is provisional
(counted Monday to Friday, docs/calendar.md); the case page says why as text under the
date, which a tablet can read, not in a tooltip it cannot hover (issue 20, point 2)."""

import re
from datetime import UTC, datetime

from support import make_case, sign_in

# Forwarded on 30 December 2026: acceptance is due on the 31st (2026 is announced);
# verifying (2 working days) and reporting (5) end in 2027, not yet announced.
NEW_YEARS_EVE_EVE = datetime(2026, 12, 30, 2, 0, tzinfo=UTC)


def _due_cell(html: str, kind: str) -> str:
    row = html.split(f'data-testid="clock-{kind}">', 1)[1].split("</tr>", 1)[0]
    return re.findall(r'<td data-label="[^"]*">(.*?)</td>', row, re.S)[2]


def test_the_provisional_reason_is_visible_text_under_the_date(app, province):
    app.config["FROZEN_NOW"] = NEW_YEARS_EVE_EVE
    case_id = make_case(app, province, state="forwarded")
    client = app.test_client()
    sign_in(client, "bank1-a")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    reason = "该年度节假日安排尚未确认，按周一至周五推算"
    for kind in ("verify", "report"):
        cell = _due_cell(html, kind)
        assert "2027" in cell and "暂定" in cell
        shown = re.search(rf'data-testid="provisional-reason-{kind}"><small>([^<]+)</small>', cell)
        assert shown and shown.group(1) == reason, kind
        assert "title=" not in cell  # nothing left to hover
    accept = _due_cell(html, "accept")
    assert "2026" in accept and "暂定" not in accept and reason not in accept
    # In English too.
    client.get("/lang/en?next=/")
    english = _due_cell(client.get(f"/cases/{case_id}").get_data(as_text=True), "verify")
    assert "Provisional" in english or "provisional" in english
    assert reason not in english and "Monday" in english
