"""Inbox pages read by their sort key (keyset pagination): every row once in inbox order,
nothing repeated or skipped when cases arrive between two page loads, back and forth by
the links, the reader's scope kept on every page, the total counted only up to a cap."""

import re
from html import unescape

import pytest
from sqlalchemy import select
from support import NOW, make_case, sign_in, sqlite_plans

from portal.auth.models import User
from portal.complaints import operations as ops
from portal.complaints.inbox import InboxFilters, inbox_query
from portal.complaints.models import Complaint
from portal.db import db

ROW = re.compile(r'id="case-row-(\d+)"')
LINK = re.compile(r'<a class="btn secondary" href="([^"]*)"[^>]*>\s*(上一页|下一页|第一页)\s*</a>')


def rows(html: str) -> list[int]:
    return [int(i) for i in ROW.findall(html)]


def link(html: str, label: str) -> str | None:
    for href, text in LINK.findall(html):
        if text == label:
            block = html[html.index(f'href="{href}"') :].split(">", 1)[0]
            return None if 'aria-disabled="true"' in block else unescape(href)
    return None


def walk(client, url: str, label: str = "下一页") -> list[list[int]]:
    pages = []
    while url:
        html = client.get(url).get_data(as_text=True)
        pages.append(rows(html))
        url = link(html, label)
    return pages


def invalid_case(app, province) -> int:
    """A case without any open clock: it sorts after every case with a due time."""
    case_id = make_case(app, province)
    with app.app_context():
        case = db.session.get(Complaint, case_id)
        staff = db.session.get(User, province.user("assoc-staff").id)
        ops.invalidate(case, actor=staff, now=NOW, reason="非投诉", told_how="电话")
        db.session.commit()
    return case_id


def expected_order(app, username: str, province) -> list[int]:
    with app.app_context():
        user = db.session.get(User, province.user(username).id)
        query = inbox_query(user, InboxFilters(state="all"), now=NOW, tz=_tz())
        return [case.id for case, _due in db.session.execute(query)]


def _tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


def _cases(app, province):
    """Ten cases: equal due times and receipts (ties broken by id), several due times,
    and three without any; bank2's among them."""
    for state in ("registered", "registered", "forwarded", "handling", "at_outlet"):
        make_case(app, province, state=state)
    make_case(app, province, state="forwarded", outlet="bank2-outlet1")
    make_case(app, province, state="registered", outlet="bank2-outlet1")
    for _ in range(3):
        invalid_case(app, province)


def test_pages_cover_the_list_once_in_order_and_back(make_app, province):
    app = make_app(FROZEN_NOW=NOW, PAGE_SIZE=3)
    _cases(app, province)
    client = app.test_client()
    sign_in(client, "assoc-staff")
    pages = walk(client, "/cases?state=all")
    assert [len(p) for p in pages] == [3, 3, 3, 1]
    assert sum(pages, []) == expected_order(app, "assoc-staff", province)
    first = client.get("/cases?state=all").get_data(as_text=True)
    assert "第 1 / 4 页，共 10 条" in first
    assert link(first, "上一页") is None and "page=2" in link(first, "下一页")
    # Back from the last page by the 上一页 links: the same pages, in reverse.
    last_url = "/cases?state=all"
    for _ in range(3):
        last_url = link(client.get(last_url).get_data(as_text=True), "下一页")
    last = client.get(last_url).get_data(as_text=True)
    assert "第 4 / 4 页" in last and link(last, "下一页") is None
    back = walk(client, link(last, "上一页"), "上一页")
    assert back == pages[:3][::-1]
    assert link(last, "第一页") is not None
    # The piece carries the same pager.
    piece = client.get(last_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in piece and rows(piece) == pages[3]


def test_cases_arriving_between_page_loads_repeat_or_hide_nothing(make_app, province):
    app = make_app(FROZEN_NOW=NOW, PAGE_SIZE=3)
    _cases(app, province)
    client = app.test_client()
    sign_in(client, "assoc-staff")
    before = expected_order(app, "assoc-staff", province)
    html = client.get("/cases?state=all").get_data(as_text=True)
    first = rows(html)
    # New cases land at the top (same due time and receipt, higher id), in the middle
    # and at the end of the order while the reader looks at page 1.
    make_case(app, province, state="registered")
    make_case(app, province, state="forwarded")
    late = invalid_case(app, province)
    rest = walk(client, link(html, "下一页"))
    seen = first + sum(rest, [])
    assert len(seen) == len(set(seen)), seen  # nothing twice
    assert [i for i in seen if i in before] == before  # every earlier case, in order
    assert late in seen  # a case arriving after the cursor's place is reached


def test_every_page_keeps_the_readers_scope(make_app, province):
    app = make_app(FROZEN_NOW=NOW, PAGE_SIZE=2)
    _cases(app, province)
    with app.app_context():
        bank2 = set(
            db.session.scalars(
                select(Complaint.id).where(Complaint.member_id == province.unit("bank2").id)
            )
        )
    member = app.test_client()
    sign_in(member, "bank1-a")
    pages = walk(member, "/cases?state=all")
    seen = sum(pages, [])
    assert seen == expected_order(app, "bank1-a", province) and not (set(seen) & bank2)
    # A cursor taken from the association's list shows bank1-a nothing of bank2's either.
    association = app.test_client()
    sign_in(association, "assoc-staff")
    url = link(association.get("/cases?state=all").get_data(as_text=True), "下一页")
    assert not (set(sum(walk(member, url), [])) & bank2)
    outlet = app.test_client()
    sign_in(outlet, "bank1-outlet1")
    assert sum(walk(outlet, "/cases?state=all"), []) == expected_order(
        app, "bank1-outlet1", province
    )


def test_a_broken_cursor_shows_the_first_page(make_app, province):
    app = make_app(FROZEN_NOW=NOW, PAGE_SIZE=3)
    _cases(app, province)
    client = app.test_client()
    sign_in(client, "assoc-staff")
    first = rows(client.get("/cases?state=all").get_data(as_text=True))
    for cursor in ("after=nonsense", "before=1.2", "after=-.x.3", "after=99999999999999999999.1.1"):
        response = client.get(f"/cases?state=all&{cursor}&page=7")
        assert response.status_code == 200
        assert rows(response.get_data(as_text=True)) == first


def test_the_total_is_counted_up_to_the_cap(make_app, province):
    app = make_app(FROZEN_NOW=NOW, PAGE_SIZE=3, INBOX_COUNT_CAP=5)
    _cases(app, province)
    client = app.test_client()
    sign_in(client, "assoc-staff")
    html = client.get("/cases?state=all").get_data(as_text=True)
    assert "第 1 页，超过 5 条" in html and "共 10 条" not in html
    assert len(sum(walk(client, "/cases?state=all"), [])) == 10
    small = client.get("/cases?state=registered").get_data(as_text=True)
    assert "共 3 条" in small and 'class="pager' in small


def _in_inbox_order(app, ids) -> list[int]:
    """``ids`` in the inbox order, worked out in Python from the stored columns: the
    nearest due time first, none last, then the newest receipt, then the highest id."""
    with app.app_context():
        rows = db.session.execute(
            select(Complaint.id, Complaint.next_due_at, Complaint.received_at).where(
                Complaint.id.in_(ids)
            )
        ).all()

    def place(row):
        due = row.next_due_at
        return (due is None, due or NOW, -row.received_at.timestamp(), -row.id)

    return [row.id for row in sorted(rows, key=place)]


def _open_without_a_clock(app, province) -> int:
    """An open case whose clocks have all been met (as a reported case awaiting review):
    in the open lists it sorts after every case with a due time."""
    case_id = make_case(app, province, state="handling")
    with app.app_context():
        db.session.execute(
            Complaint.__table__.update().where(Complaint.id == case_id).values(next_due_at=None)
        )
        db.session.commit()
    return case_id


OPEN = ("registered", "forwarded", "handling", "reported")
# (reader, list): which cases the list holds, from (state, member, held by the member).
LISTS = {
    ("assoc-staff", "/cases?state=all"): lambda state, bank, at_bank: True,
    ("assoc-staff", "/cases"): lambda state, bank, at_bank: state in OPEN,
    ("assoc-staff", "/cases?state=registered"): lambda state, bank, at_bank: state == "registered",
    ("bank1-a", "/cases?state=all"): lambda state, bank, at_bank: bank == "bank1" and at_bank,
    ("bank1-a", "/cases"): lambda state, bank, at_bank: (
        bank == "bank1" and at_bank and state in OPEN
    ),
}


def test_every_list_keeps_the_inbox_order_across_the_cases_without_a_due_time(make_app, province):
    """The order (due first, none last, then newest) of the whole province, the open
    cases, one state and a member's lists, read page by page forward and back across the
    boundary between the cases with a due time and those without. SQLite reads each list
    from an index in that order (``test_sqlite_reads_each_first_page_from_an_index``),
    PostgreSQL too: the pages must say the same."""
    app = make_app(FROZEN_NOW=NOW, PAGE_SIZE=3)
    _cases(app, province)
    _open_without_a_clock(app, province)
    banks = {province.unit(name).id: name for name in ("bank1", "bank2")}
    with app.app_context():
        cases = db.session.execute(
            select(Complaint.id, Complaint.state, Complaint.member_id, Complaint.handling_path)
        ).all()
    for (reader, url), holds in LISTS.items():
        client = app.test_client()
        sign_in(client, reader)
        listed = [
            c.id
            for c in cases
            if holds(
                c.state,
                banks[c.member_id],
                c.handling_path.startswith(province.unit(banks[c.member_id]).path),
            )
        ]
        pages = walk(client, url)
        assert sum(pages, []) == _in_inbox_order(app, listed), (reader, url)
        last = client.get(url).get_data(as_text=True)
        while link(last, "下一页"):
            last = client.get(link(last, "下一页")).get_data(as_text=True)
        back = walk(client, link(last, "上一页"), "上一页") if link(last, "上一页") else []
        assert back == pages[:-1][::-1], (reader, url)


READ_IN_ORDER = "ORDER BY complaint.next_due_at"


@pytest.mark.sqlite_only("SQLite's query plans")
def test_sqlite_reads_each_first_page_from_an_index(make_app, province):
    """Without statistics (nobody runs ANALYZE on a desk installation, nor here), SQLite
    reads every list's pages from an index in the inbox order instead of sorting the
    list whole (a temporary B-tree: 81 ms for the first page of 20,000 cases). That takes
    the indexes' received_at DESC, id DESC (migration 87bf43543f26) and the hints of
    ``portal.db.likely``."""
    app = make_app(FROZEN_NOW=NOW, PAGE_SIZE=3)
    _cases(app, province)
    _open_without_a_clock(app, province)
    for reader, url in [*LISTS, ("assoc-staff", "/cases?state=invalid")]:
        client = app.test_client()
        sign_in(client, reader)
        first = client.get(url).get_data(as_text=True)
        pages = [url, link(first, "下一页")]
        for page in filter(None, pages):
            plans = sqlite_plans(app, client, page, READ_IN_ORDER)
            assert plans, (reader, page)
            for plan in plans:
                assert "TEMP B-TREE" not in plan, (reader, page, plan)
                assert re.search(r"USING (COVERING )?INDEX ix_complaint_\w*due_order", plan), (
                    reader,
                    page,
                    plan,
                )
