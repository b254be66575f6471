"""Each step says what it did and never breaks the page (role-first screens, point 4 and
5): the forward form and its answer name the bank and who of its A/B pair accepts and why
(Art. 7); passing down comes with the complained outlet chosen; a return visit that
creates a repeat complaint answers with the repeat's whole page and a message naming it."""

import re
from datetime import timedelta

from sqlalchemy import select
from support import add_absence

from portal.complaints.models import Complaint
from portal.db import db


def _hx(desk, username, case_id, action, **data):
    with desk.app.app_context():
        version = db.session.get(Complaint, case_id).version
    fields = {f"{action}-{k}": v for k, v in data.items()}
    fields |= {f"{action}-version": str(version), f"{action}-seen_event": "0"}
    return desk.as_(username).post(
        f"/cases/{case_id}/do/{action}", data=fields, headers={"HX-Request": "true"}
    )


def _flash(html: str) -> str:
    match = re.search(r'class="flash success" role="status">([^<]*)<', html)
    assert match, "no success message"
    return match.group(1)


def test_forward_names_the_bank_and_handler_a_on_duty(desk):
    case_id = desk.register()
    page = desk.as_("assoc-staff").get(f"/cases/{case_id}").get_data(as_text=True)
    offer = page[page.index('data-testid="forward-to"') :][:600]
    a = desk.province.user("bank1-a").full_name
    assert "第1银行辽宁省分行" in offer and f"A角{a}受理" in offer
    answer = _hx(desk, "assoc-staff", case_id, "forward")
    assert answer.status_code == 200
    assert _flash(answer.get_data(as_text=True)) == f"已转办至第1银行辽宁省分行，A角{a}受理。"


def test_forward_says_b_accepts_and_why_when_a_is_away(desk):
    now = desk.app.config["FROZEN_NOW"]
    add_absence(
        desk.app, "bank1-a", now - timedelta(hours=2), now + timedelta(days=2), desk.province
    )
    case_id = desk.register()
    page = desk.as_("assoc-staff").get(f"/cases/{case_id}").get_data(as_text=True)
    offer = page[page.index('data-testid="forward-to"') :][:600]
    b = desk.province.user("bank1-b").full_name
    assert f"B角{b}受理" in offer and "A角不在岗（年假），由B角受理" in offer
    message = _flash(_hx(desk, "assoc-staff", case_id, "forward").get_data(as_text=True))
    assert message == f"已转办至第1银行辽宁省分行，B角{b}受理（A角不在岗（年假），由B角受理）。"


def test_each_step_says_what_it_did(desk):
    case_id = desk.register()
    _hx(desk, "assoc-staff", case_id, "forward")
    accepted = _flash(_hx(desk, "bank1-a", case_id, "accept").get_data(as_text=True))
    assert accepted.startswith("已受理")
    outlet = desk.province.unit("bank1-outlet1")
    passed = _hx(desk, "bank1-a", case_id, "forward_down", unit_id=outlet.id)
    assert _flash(passed.get_data(as_text=True)) == f"已转交{outlet.name}，其答复期限已开始计算。"
    note = _hx(desk, "bank1-outlet1", case_id, "note", text="已约客户面谈。")
    assert _flash(note.get_data(as_text=True)) == "已添加备注。"
    # None of them is the old all-purpose "已保存。"
    assert "已保存。" not in passed.get_data(as_text=True)


def test_pass_down_comes_with_the_complained_outlet_chosen(desk):
    case_id = desk.register(outlet="bank1-outlet2")
    desk.step("assoc-staff", case_id, "forward")
    desk.step("bank1-a", case_id, "accept")
    html = desk.as_("bank1-a").get(f"/cases/{case_id}").get_data(as_text=True)
    outlet = desk.province.unit("bank1-outlet2")
    box = html[html.index('data-combobox="local"') :][:4000]
    # The chosen value is the complained outlet, shown by name in the combobox ...
    assert f'name="forward_down-unit_id" id="pass-down-{case_id}-value" value="{outlet.id}"' in box
    assert f'value="{outlet.name}（{outlet.code}）"' in box
    # ... which is a keyboard combobox over every unit below the member, searchable.
    assert 'role="combobox"' in box and 'aria-controls="pass-down-' in box
    assert box.count('role="option"') == 4  # city branch, sub-branch, both outlets
    assert 'data-search=" 和平区"' in box


def test_a_dissatisfied_return_visit_lands_on_the_repeat_as_a_whole_page(desk):
    case_id = desk.register()
    desk.to_outlet(case_id)
    desk.step(
        "bank1-outlet1",
        case_id,
        "final_reply",
        result="已道歉。",
        told_at="2026-11-23T09:50",
        told_how="phone",
        reaction="accepted",
    )
    desk.step("bank1-a", case_id, "verify", finding="substantiated", facts="属实。")
    desk.step("bank1-a", case_id, "report", summary="已处理。")
    desk.step("assoc-staff", case_id, "close", note="同意办结")
    answer = _hx(
        desk, "assoc-staff", case_id, "return_visit", satisfaction="dissatisfied", comment="不满意"
    )
    # htmx is told to load the new case as a whole page: no fragment swapped into <body>.
    assert answer.status_code == 204 and "HX-Location" not in answer.headers
    with desk.app.app_context():
        repeat = db.session.scalar(select(Complaint).where(Complaint.repeat_of_id == case_id))
        original = db.session.get(Complaint, case_id).tracking_no
    assert answer.headers["HX-Redirect"] == f"/cases/{repeat.id}"
    page = desk.as_("assoc-staff").get(answer.headers["HX-Redirect"]).get_data(as_text=True)
    assert "<header" in page  # the whole page, menu and sign-out included
    assert f"已作为重复投诉{repeat.tracking_no}重新登记（原投诉{original}）" in page
