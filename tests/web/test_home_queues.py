"""The home pages of those who read rather than act (issue 20, point 1): the association's
overdue cases per member, each count linking to the cases it counts; a member's leader in
charge (分管领导, Art. 6) sees the lists of the bank's handlers, to read, and nothing of
another bank."""

import re
from datetime import UTC, datetime

from support import NOW, make_case, sign_in

# A week after the cases below were forwarded on Monday 23 November: every acceptance
# (due the next working day, Art. 7) and every forward (2 working days, Art. 11(1)) is late.
A_WEEK_LATER = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def _home(app, username) -> str:
    client = app.test_client()
    sign_in(client, username)
    page = client.get("/home")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _count(html, key) -> int:
    match = re.search(rf'data-testid="count-{key}">\s*<span class="num">(\d+)</span>', html)
    assert match, key
    return int(match.group(1))


def _overdue_table(html) -> list[tuple[str, str, int]]:
    """(member name, link, count) of each row of the overdue-per-member table."""
    assert 'id="overdue-members"' in html
    table = html.split('id="overdue-members"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<td[^>]*>([^<]+)</td>\s*<td[^>]*><a href=\"([^\"]+)\">(\d+)</a>", table)
    return [(name, link.replace("&amp;", "&"), int(n)) for name, link, n in rows]


def _case_ids(html) -> set[str]:
    return set(re.findall(r'href="/cases/(\d+)"', html))


def _late_and_fresh_cases(app, province):
    app.config["FROZEN_NOW"] = NOW
    late = {
        "bank1": [
            make_case(app, province, state="forwarded", mobile=f"1370000000{n}") for n in (1, 2)
        ],
        "bank2": [make_case(app, province, state="forwarded", outlet="bank2-outlet1")],
    }
    app.config["FROZEN_NOW"] = A_WEEK_LATER
    fresh = make_case(
        app, province, state="forwarded", outlet="bank2-outlet2", mobile="13700000009"
    )
    return late, fresh


def test_the_association_home_counts_overdue_cases_per_member_worst_first(app, province):
    late, fresh = _late_and_fresh_cases(app, province)
    for username in ("assoc-staff", "assoc-leader"):
        rows = _overdue_table(_home(app, username))
        assert [(name, n) for name, _link, n in rows] == [
            ("第1银行辽宁省分行", 2),
            ("第2银行辽宁省分行", 1),  # its fresh case is not late
        ], username
    # Each count links to exactly the cases it counts.
    client = app.test_client()
    sign_in(client, "assoc-staff")
    for (name, link, n), bank in zip(rows, ("bank1", "bank2"), strict=True):
        assert f"unit={province.unit(bank).id}" in link and "clock=breached" in link
        listed = _case_ids(client.get(link).get_data(as_text=True))
        assert listed == {str(i) for i in late[bank]} and len(listed) == n, name
        assert str(fresh) not in listed


def test_no_overdue_table_when_nothing_is_late_nor_on_a_members_home(app, province):
    app.config["FROZEN_NOW"] = NOW
    make_case(app, province, state="forwarded")
    assert 'id="overdue-members"' not in _home(app, "assoc-staff")
    _late_and_fresh_cases(app, province)
    for username in ("bank1-a", "bank1-leader"):
        assert 'id="overdue-members"' not in _home(app, username)


def test_a_member_leader_reads_the_banks_lists_as_its_handlers_see_them(app, province):
    app.config["FROZEN_NOW"] = NOW
    make_case(app, province, state="forwarded", mobile="13700000001")  # to accept
    make_case(app, province, state="handling", mobile="13700000002")  # to pass down
    make_case(app, province, state="forwarded", outlet="bank2-outlet1")  # another bank's
    leader, handler = _home(app, "bank1-leader"), _home(app, "bank1-a")
    for key in ("breached", "due_today", "to_accept", "pass_down", "to_report"):
        assert _count(leader, key) == _count(handler, key), key
    assert _count(leader, "to_accept") == 1 and _count(leader, "pass_down") == 1
    assert "第1银行辽宁省分行" in leader and "第2银行" not in leader
    # To read: no intake, no call to the customer, no step buttons on the home page.
    assert "登记投诉" not in leader and "拨打客户电话" not in leader
    # The days go by: both lists' cases are late, and the leader sees it first.
    app.config["FROZEN_NOW"] = A_WEEK_LATER
    later = _home(app, "bank1-leader")
    assert _count(later, "breached") == 2
    assert later.index('data-testid="queue-breached"') < later.index(
        'data-testid="queue-to_accept"'
    )
    assert "超期" in later.split('data-testid="queue-breached"', 1)[1].split("</section>", 1)[0]
