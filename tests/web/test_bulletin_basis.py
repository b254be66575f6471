"""The bulletin says on its face what it counts (issue 20, point 7; Art. 8(4)): every
complaint received in the period, by the member complained about, those the association
registered and has not yet forwarded included; and the figures it shows are the ones it
says it counts."""

import re
from datetime import UTC, datetime

from support import make_case

from portal.auth.models import User
from portal.bulletins import operations, pdf
from portal.db import db
from portal.orgs.scoping import enter_database_wall
from portal.statistics.rules import parse_period

BASIS = "统计口径：按被投诉的会员单位统计本期受理的全部投诉（含协会登记后未转办的）"


def _member_received(html: str) -> dict[str, tuple[int, int]]:
    """(received, valid) per member, from the members' table (section 二)."""
    section = html.split("<h2>二、各会员单位情况</h2>", 1)[1].split("</table>", 1)[0]
    row = r'<tr><td class="name">([^<]+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td>'
    return {name: (int(n), int(valid)) for name, n, valid in re.findall(row, section)}


def _headline(html: str, label: str) -> int:
    match = re.search(rf'<td class="name">{label}</td><td class="num">(\d+)', html)
    assert match, label
    return int(match.group(1))


def test_the_bulletin_counts_what_its_basis_statement_says(app, province):
    # 2026H2: bank 1 has a case forwarded and one registered, not yet forwarded; bank 2
    # one forwarded. A case received in the first half year is another period's.
    app.config["FROZEN_NOW"] = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)
    make_case(app, province, state="forwarded", mobile="13700000005")
    app.config["FROZEN_NOW"] = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    make_case(app, province, state="forwarded", mobile="13700000001")
    make_case(app, province, state="registered", mobile="13700000002")
    make_case(app, province, state="forwarded", outlet="bank2-outlet1")
    with app.test_request_context("/"):
        staff = db.session.get(User, province.user("assoc-staff").id)
        enter_database_wall(staff)  # on PostgreSQL, the rows a request of staff's sees
        draft = operations.create_draft(parse_period("2026H2"), actor=staff, now=datetime.now(UTC))
        html = pdf.render_html(pdf.build_context(draft, staff))
    assert BASIS in html
    assert "数字在本版发布时冻结" in html and "各单位统计页面为实时数据" in html
    received = _member_received(html)
    # The unforwarded case is counted as received, not yet as valid.
    assert received == {"第1银行辽宁省分行": (2, 1), "第2银行辽宁省分行": (1, 1)}
    assert _headline(html, "受理投诉") == 3 and _headline(html, "转办会员单位") == 2
