"""JR/T 0169-2018 coding end to end: the administrator's code list (versions, import,
edit, download), the crosswalk, codes at intake and correction, the case page and the
API's case read."""

import io
import re

import pytest
from sqlalchemy import func, select
from support import NOW, make_case, sign_in

from portal.audit.models import AuditEntry
from portal.codes.models import CategoryCode, Code, CodeVersion
from portal.complaints.models import Category, Complaint, ComplaintEvent
from portal.complaints.taxonomy import seed_categories
from portal.db import db

GOOD_CSV = (
    "code,parent,name,name_en\n"
    "A01,,前台业务渠道,Front office\n"
    "A0101,A01,营业现场,Branch premises\n"
    "A02,,中、后台业务渠道,\n"
    "B01,,人民币储蓄,\n"
    "B0101,B01,存款业务,Deposits\n"
    "B02,,贷款,\n"
    "B03,,银行卡,\n"
    "B06,,个人金融信息,\n"
    "B99,,其他,\n"
    "C01,,服务态度及服务质量,\n"
    "C02,,服务设施、设备、业务系统,\n"
    "C03,,管理制度、业务规则与流程,\n"
    "C04,,营销方式,\n"
    "C05,,信息披露,\n"
    "C06,,产品收益,\n"
    "C08,,合同条款,\n"
    "C09,,消费者资金安全,\n"
    "C10,,消费者信息安全,\n"
    "C99,,其他,\n"
)


@pytest.fixture
def seeded(app, province):
    with app.app_context():
        seed_categories()
        db.session.commit()
    app.config["FROZEN_NOW"] = NOW
    return province


@pytest.fixture
def admin(app, seeded):
    client = app.test_client()
    sign_in(client, "assoc-admin")
    return client


def _versions(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(CodeVersion.number).order_by(CodeVersion.number)))


def _audits(app, action) -> list[AuditEntry]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        for row in rows:
            db.session.expunge(row)
        return rows


def _import(client, text: str, note="按标准文本导入", encoding="utf-8"):
    return client.post(
        "/categories/codes/import",
        data={"note": note, "file": (io.BytesIO(text.encode(encoding)), "codes.csv")},
        content_type="multipart/form-data",
    )


def test_the_code_list_shows_each_axis_as_a_tree_with_its_versions(admin, app):
    html = admin.get("/categories/codes").get_data(as_text=True)
    assert 'aria-current="page"' in html and "类别对照表" in html  # the tabs
    assert "现行版本：第1版" in html
    for axis in ("A", "B", "C"):
        assert f'data-testid="codes-{axis}"' in html
    assert re.search(r'<span class="indent-2">A01031</span>', html)  # third level indented
    assert "Mobile app" in html and "移动客户端" in html
    assert "B03" in html and "银行卡" in html
    versions = html[html.index('data-testid="code-versions"') :]
    assert "第1版" in versions and "内置（标准公开摘要）" in versions
    # Codes the crosswalk uses are marked.
    assert "对照表在用" in html


def test_a_good_import_makes_a_new_version_audited_and_older_ones_stay(admin, app):
    response = _import(admin, GOOD_CSV, encoding="gb18030")
    assert response.status_code == 303
    assert _versions(app) == [1, 2]
    html = admin.get("/categories/codes").get_data(as_text=True)
    assert "现行版本：第2版" in html and "B0101" in html and "存款业务" in html
    audit = _audits(app, "codes_imported")
    assert len(audit) == 1 and audit[0].changes["number"] == [None, 2]
    # Version 1 still reads as it was, and is downloadable.
    old = admin.get("/categories/codes/versions/1").get_data(as_text=True)
    assert "编码表第1版" in old and "A01033" in old and "B0101" not in old
    assert admin.get("/categories/codes/versions/9").status_code == 404
    assert admin.get("/categories/codes/versions/9.csv").status_code == 404


def test_a_download_imports_again_unchanged(admin, app):
    response = admin.get("/categories/codes/versions/1.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    data = response.get_data()
    assert data.startswith("\ufeffcode,parent,name,name_en".encode())
    assert "A01033,A0103,移动客户端,Mobile app".encode() in data
    again = admin.post(
        "/categories/codes/import",
        data={"note": "再导入", "file": (io.BytesIO(data), "v1.csv")},
        content_type="multipart/form-data",
    )
    assert again.status_code == 303
    with app.app_context():
        rows = lambda n: [  # noqa: E731
            (c.code, c.parent, c.name, c.name_en, c.level)
            for c in db.session.scalars(
                select(Code)
                .join(CodeVersion, CodeVersion.id == Code.version_id)
                .where(CodeVersion.number == n)
                .order_by(Code.sort)
            )
        ]
        assert rows(1) == rows(2)


def test_a_bad_import_lists_every_problem_by_line_and_writes_nothing(admin, app):
    bad = "code,parent,name\nA01,,渠道\nA01,,重复\nX9,,坏\nB0101,B09,孤儿\n"
    response = _import(admin, bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    problems = html[html.index('data-testid="import-problems"') :].split("</ul>")[0]
    for text in (
        "第2行：编码“A01”重复",
        "第3行：编码“X9”",
        "第4行：上级编码“B09”不在列表中",
        "缺少C类",
    ):
        assert text in problems, text
    assert _versions(app) == [1]
    assert _audits(app, "codes_imported") == []
    # No file, and no note: told, nothing written.
    empty = admin.post("/categories/codes/import", data={"note": ""})
    assert empty.status_code == 422 and "请填写版本说明" in empty.get_data(as_text=True)
    assert _versions(app) == [1]


def test_renaming_and_adding_a_code_each_make_a_version_with_a_note(admin, app):
    rename = admin.post(
        "/categories/codes/save",
        data={"code": "b03", "name": "银行卡业务", "name_en": "Bank cards", "note": "按标准全文"},
    )
    assert rename.status_code == 303
    add = admin.post(
        "/categories/codes/save",
        data={"code": "B0301", "parent": "B03", "name": "借记卡", "name_en": "", "note": "增补"},
    )
    assert add.status_code == 303
    assert _versions(app) == [1, 2, 3]
    html = admin.get("/categories/codes").get_data(as_text=True)
    assert "银行卡业务" in html and "借记卡" in html
    assert _audits(app, "code_renamed")[0].changes["name"] == ["银行卡", "银行卡业务"]
    assert _audits(app, "code_added")[0].changes["parent"] == [None, "B03"]
    # The form pre-filled for an edit, and for a code under another.
    assert 'value="银行卡业务"' in admin.get("/categories/codes?edit=B03").get_data(as_text=True)
    assert 'value="B03"' in admin.get("/categories/codes?under=B03").get_data(as_text=True)
    assert admin.get("/categories/codes?edit=B77").status_code == 404
    # Bad: no change, a child not under its parent, no note.
    same = admin.post(
        "/categories/codes/save",
        data={"code": "B03", "name": "银行卡业务", "name_en": "Bank cards", "note": "x"},
    )
    assert same.status_code == 422 and "名称没有变化" in same.get_data(as_text=True)
    stray = admin.post(
        "/categories/codes/save",
        data={"code": "B0401", "parent": "B03", "name": "x", "note": "x"},
    )
    assert stray.status_code == 422 and "应以上级编码“B03”开头" in stray.get_data(as_text=True)
    no_note = admin.post("/categories/codes/save", data={"code": "B03", "name": "y", "note": ""})
    assert no_note.status_code == 422
    assert _versions(app) == [1, 2, 3]


def test_only_the_association_administrator_keeps_codes_and_the_crosswalk(app, seeded):
    for username in ("assoc-staff", "assoc-leader", "bank1-admin", "bank1-a"):
        client = app.test_client()
        sign_in(client, username)
        for path in ("/categories/codes", "/categories/codes/versions/1", "/categories/crosswalk"):
            assert client.get(path).status_code == 403, (username, path)
        assert client.get("/categories/codes/versions/1.csv").status_code == 403
        assert _import(client, GOOD_CSV).status_code == 403
        assert client.post("/categories/crosswalk", data={}).status_code == 403
    assert _versions(app) == [1]


def _category(app, code) -> int:
    with app.app_context():
        return db.session.scalar(select(Category.id).where(Category.code == code))


def test_the_crosswalk_lists_every_category_and_saves_audited(admin, app):
    page = admin.get("/categories/crosswalk")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="crosswalk"' in html
    crd01 = _category(app, "CRD-01")
    assert re.search(rf'name="b-{crd01}"[^>]*>.*?<option value="B03" selected>', html, re.S)
    assert "<optgroup" in html
    with app.app_context():
        walk = {
            r.category_id: (r.code_b, r.code_c) for r in db.session.scalars(select(CategoryCode))
        }
    form = {f"b-{k}": v[0] for k, v in walk.items()} | {f"c-{k}": v[1] for k, v in walk.items()}
    form[f"c-{crd01}"] = "C08"
    saved = admin.post("/categories/crosswalk", data=form)
    assert saved.status_code == 303
    with app.app_context():
        assert db.session.get(CategoryCode, crd01).code_c == "C08"
    audit = _audits(app, "crosswalk_changed")
    assert len(audit) == 1 and audit[0].changes["code_c"] == ["C09", "C08"]
    # A code not in the list, or one on the wrong axis: refused, nothing saved.
    form[f"b-{crd01}"], form[f"c-{crd01}"] = "B77", "B03"
    refused = admin.post("/categories/crosswalk", data=form)
    assert refused.status_code == 422
    assert "不是现行编码表中的B类编码" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CategoryCode, crd01).code_b == "B03"
    assert len(_audits(app, "crosswalk_changed")) == 1


def test_an_import_cannot_retire_a_code_the_crosswalk_uses(admin, app):
    # Without B02 (贷款) and B06, which the default crosswalk uses.
    without = GOOD_CSV.replace("B02,,贷款,\n", "").replace("B06,,个人金融信息,\n", "")
    response = _import(admin, without)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "编码B02仍在类别对照表中使用" in html and "编码B06仍在类别对照表中使用" in html
    assert _versions(app) == [1]


def test_flask_codes_import(app, seeded, tmp_path):
    good = tmp_path / "codes.csv"
    with app.app_context():
        from portal.codes.operations import entries_of, to_csv
        from portal.codes.queries import current_version

        good.write_bytes(to_csv(current_version()))
        assert len(entries_of(current_version())) > 20
    result = app.test_cli_runner().invoke(args=["codes", "import", str(good), "--note", "全文"])
    assert result.exit_code == 0, result.output
    assert "version 2" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("code,parent,name\nA01,,a\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["codes", "import", str(bad)])
    assert result.exit_code == 1 and "缺少B类" in result.output
    assert _versions(app) == [1, 2]


# -- Intake, correction, the case page, the API -----------------------------------------


def _worksheet(province, app, **changes):
    data = {
        "received_at": "2026-11-23T09:30",
        "channel": "phone",
        "complainant_name": "张敏",
        "mobile": "13700001111",
        "reply_channel": "phone",
        "outlet_id": province.unit("bank1-outlet1").id,
        "category_id": _category(app, "CRD-01"),
        "facts": "银行卡被盗刷。",
        "demand": "退还资金。",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def staff(app, seeded):
    client = app.test_client()
    sign_in(client, "assoc-staff")
    return client


def _registered(app, response) -> Complaint:
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        case = db.session.get(Complaint, case_id)
        db.session.expunge(case)
        return case


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Complaint))


def test_the_worksheet_offers_grouped_codes_and_registers_the_chosen_ones(staff, app, seeded):
    html = staff.get("/cases/new").get_data(as_text=True)
    coding = html[html.index('data-testid="coding"') :].split("</fieldset>")[0]
    assert '<label for="code_b">B 业务类别' in coding and 'aria-required="true"' in coding
    assert '<optgroup label="A01 前台业务渠道">' in coding
    assert re.search(r'<option value="A01033">\s*\u3000\u3000A01033 移动客户端</option>', coding)
    case = _registered(
        app,
        staff.post(
            "/cases/new",
            data=_worksheet(seeded, app, code_a="A01033", code_b="B03", code_c="C09"),
        ),
    )
    assert (case.code_a, case.code_b, case.code_c) == ("A01033", "B03", "C09")
    page = staff.get(f"/cases/{case.id}").get_data(as_text=True)
    codes = page[page.index('data-testid="case-codes"') :].split("</dd>")[0]
    assert "A01033 移动客户端" in codes and "B03 银行卡" in codes and "C09 消费者资金安全" in codes
    assert "按类别对照" not in codes


def test_codes_left_empty_come_from_the_crosswalk_and_a_from_the_channel(staff, app, seeded):
    case = _registered(app, staff.post("/cases/new", data=_worksheet(seeded, app)))
    assert (case.code_a, case.code_b, case.code_c) == (None, "B03", "C09")
    walk_in = _registered(
        app,
        staff.post(
            "/cases/new", data=_worksheet(seeded, app, channel="walk_in", mobile="13700002222")
        ),
    )
    assert walk_in.code_a == "A0101"
    page = staff.get(f"/cases/{case.id}").get_data(as_text=True)
    codes = page[page.index('data-testid="case-codes"') :].split("</dd>")[0]
    assert "未编码" in codes and "B03 银行卡" in codes


def test_a_bad_code_or_a_category_without_a_crosswalk_is_refused(staff, app, seeded):
    before = _count(app)
    wrong = staff.post(
        "/cases/new", data=_worksheet(seeded, app, code_b="C01", code_c="C77", code_a="B03")
    )
    assert wrong.status_code == 422
    html = wrong.get_data(as_text=True)
    assert "“C01”不是现行编码表中的B类编码" in html and "“C77”不是现行编码表中的C类编码" in html
    assert "“B03”不是现行编码表中的A类编码" in html
    assert '<a href="#code_b">' in html  # in the linked summary
    with app.app_context():
        category = db.session.get(Category, _category(app, "CRD-01"))
        db.session.delete(db.session.get(CategoryCode, category.id))
        db.session.commit()
    bare = staff.post("/cases/new", data=_worksheet(seeded, app))
    assert bare.status_code == 422
    assert "请选择B类编码（该类别没有对照编码）" in bare.get_data(as_text=True)
    assert _count(app) == before


def test_the_coding_piece_follows_the_category_and_the_channel(staff, app, seeded):
    crd = _category(app, "CRD-01")
    piece = staff.get(
        f"/cases/new/coding?category_id={crd}&channel=walk_in&changed=category&code_b=B01",
        headers={"HX-Request": "true"},
    )
    html = piece.get_data(as_text=True)
    assert piece.status_code == 200 and html.lstrip().startswith("<fieldset")
    assert '<option value="B03" selected>' in html and '<option value="C09" selected>' in html
    assert '<option value="A0101" selected>' in html and "已按所选类别的对照表预填" in html
    # Another channel takes away only the walk-in's default, not a code chosen by hand.
    html = staff.get(
        "/cases/new/coding?channel=phone&changed=channel&code_a=A0101",
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert 'value="A0101" selected' not in html
    html = staff.get(
        "/cases/new/coding?channel=phone&changed=channel&code_a=A02",
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert '<option value="A02" selected>' in html
    # The page twin, for a browser without script.
    assert staff.get("/cases/new/coding").status_code == 200


def test_a_correction_corrects_the_codes_in_the_history(staff, app, seeded):
    case = _registered(app, staff.post("/cases/new", data=_worksheet(seeded, app)))
    form = staff.get(f"/cases/{case.id}/form/correct").get_data(as_text=True)
    assert 'name="correct-code_b"' in form and '<option value="B03" selected>' in form
    data = {
        "correct-version": str(case.version),
        "correct-seen_event": "0",
        "correct-complainant_name": case.complainant_name,
        "correct-category_id": str(case.category_id),
        "correct-reply_channel": case.reply_channel,
        "correct-code_a": "A0102",
        "correct-code_b": "B03",
        "correct-code_c": "C02",
        "correct-reason": "核实为自助机具故障",
    }
    response = staff.post(f"/cases/{case.id}/do/correct", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        fixed = db.session.get(Complaint, case.id)
        assert (fixed.code_a, fixed.code_b, fixed.code_c) == ("A0102", "B03", "C02")
        entry = db.session.scalars(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == case.id)
            .order_by(ComplaintEvent.id.desc())
        ).first()
        assert entry.action == "corrected"
        assert entry.detail["changes"] == {"code_a": [None, "A0102"], "code_c": ["C09", "C02"]}
        version = fixed.version
    page = staff.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "A类编码（业务办理渠道）" in page and "C09 → C02" in page
    bad = staff.post(
        f"/cases/{case.id}/do/correct",
        data=data | {"correct-version": str(version), "correct-code_c": "C77"},
    )
    assert bad.status_code == 422 and "不是现行编码表中的C类编码" in bad.get_data(as_text=True)


def test_a_case_without_codes_of_its_own_shows_its_crosswalk(app, seeded):

    case_id = make_case(app, seeded, category="CRD-02")  # registered without codes
    with app.app_context():
        assert db.session.get(Complaint, case_id).code_b is None
    client = app.test_client()
    sign_in(client, "assoc-staff")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    codes = page[page.index('data-testid="case-codes"') :].split("</dd>")[0]
    assert re.search(r"（按类别对照）</span>B03 银行卡", codes)
    assert re.search(r"（按类别对照）</span>C02 服务设施、设备、业务系统", codes)
    assert "未编码" in codes
    worksheet = client.get(f"/cases/{case_id}/worksheet").get_data(as_text=True)
    assert "（按类别对照）B03 银行卡" in worksheet


def test_the_api_case_read_carries_the_codes(app, seeded, client):
    from api_support import Api, token_for

    case_id = make_case(app, seeded, category="CRD-02", state="forwarded")
    with app.app_context():
        case = db.session.get(Complaint, case_id)
        case.code_b = "B03"
        db.session.commit()
    api = Api(client, token_for(app, "bank1-a"))
    codes = api.get(f"/cases/{case_id}").get_json()["codes"]
    assert codes == {
        "a": {"code": None, "name": None, "own": False},
        "b": {"code": "B03", "name": "银行卡", "own": True},
        "c": {"code": "C02", "name": "服务设施、设备、业务系统", "own": False},
    }
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "codes" in schema["Case"]["required"]
    assert set(schema["CaseCodes"]["properties"]) == {"a", "b", "c"}


def test_the_problems_of_an_import_read_in_the_readers_language(admin, app):
    admin.get("/lang/en?next=/")
    bad = "code,parent,name\nA01,,渠道\nA01,,重复\nB0101,B09,孤儿\n"
    response = _import(admin, bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    problems = html[html.index('data-testid="import-problems"') :].split("</ul>")[0]
    assert "Line 2: the code “A01” appears twice" in problems
    assert "Line 3: the parent code “B09” is not in the list" in problems
    assert "No codes on axis C" in problems
    assert "第" not in problems  # nothing left in Chinese
