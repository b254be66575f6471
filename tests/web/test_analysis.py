"""Art. 8(5) through HTTP: the association runs the analysis, confirms or dismisses its
findings, makes a typical case and industry advice of a confirmed one; the addressed
member answers, the association follows up; the bulletin's Art. 8(5) section is drawn
from the confirmed findings. On SQLite and PostgreSQL."""

import subprocess

import pytest
from sqlalchemy import func, select
from support import NOW, make_case, sign_in

from portal.analysis.models import Advice, AdviceEntry, Finding, FindingCase
from portal.audit.models import AuditEntry
from portal.complaints.models import Complaint
from portal.db import db
from portal.notify.models import Notification


@pytest.fixture
def cluster(app, province):
    """Three complaints of one category at bank 1's first outlet on one day (a cluster:
    three within four weeks), a repeat chain of two at bank 2, one of them in the media."""
    app.config["FROZEN_NOW"] = NOW
    ids = [
        make_case(
            app, province, facts=f"ATM吞卡，客户电话13912345678。第{n}次", mobile=f"1370000{n:04d}"
        )
        for n in range(3)
    ]
    chain = [
        make_case(
            app, province, outlet="bank2-outlet1", category="ATT-02", mobile=f"1380000{n:04d}"
        )
        for n in range(3)
    ]
    with app.app_context():
        second, third = (db.session.get(Complaint, i) for i in chain[1:])
        second.repeat_of_id, third.repeat_of_id = chain[0], chain[1]
        third.is_media = True
        db.session.commit()
    return {"cluster": ids, "chain": chain}


def _run(client, period="2026H2"):
    return client.post("/analysis/run", data={"period": period})


def _finding(kind):
    return db.session.scalar(select(Finding).where(Finding.kind == kind))


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_run_lists_findings_and_running_again_adds_none(app, province, cluster):
    client = app.test_client()
    sign_in(client, "assoc-staff")
    empty = client.get("/analysis")
    assert empty.status_code == 200 and 'data-testid="analysis-empty"' in empty.text
    response = _run(client)
    assert response.status_code == 200
    assert 'data-testid="analysis-ran"' in response.text
    with app.app_context():
        kinds = set(db.session.scalars(select(Finding.kind)))
        assert {"outlet_cluster", "repeat_chain", "media_chain"} <= kinds
        found, cases = _count(Finding), _count(FindingCase)
        cluster_finding = _finding("outlet_cluster")
        assert sorted(
            db.session.scalars(
                select(FindingCase.complaint_id).where(FindingCase.finding_id == cluster_finding.id)
            )
        ) == sorted(cluster["cluster"])
        repeat_id = _finding("repeat_chain").id
    # Dismissed with a reason; running again neither duplicates nor revives it.
    assert (
        client.post(
            f"/analysis/findings/{repeat_id}/dismiss",
            data={"reason": "同一客户的同一诉求，已解决。"},
        ).status_code
        == 200
    )
    assert _run(client).status_code == 200
    with app.app_context():
        assert (_count(Finding), _count(FindingCase)) == (found, cases)
        assert db.session.get(Finding, repeat_id).status == "dismissed"
    listed = client.get("/analysis?status=dismissed&kind=repeat_chain")
    assert f'data-testid="finding-{repeat_id}"' in listed.text
    assert 'data-testid="finding-' + str(cluster_finding.id) + '"' not in listed.text
    piece = client.get("/analysis?kind=outlet_cluster", headers={"HX-Request": "true"})
    assert piece.status_code == 200 and "<html" not in piece.text


def test_the_cli_runs_the_same_analysis(app, province, cluster, database_url, tmp_path):
    from portal.analysis.cli import run

    runner = app.test_cli_runner()
    result = runner.invoke(run, ["2026H2"])
    assert result.exit_code == 0, result.output
    assert "new" in result.output
    again = runner.invoke(run, ["2026H2"])
    assert again.exit_code == 0 and again.output.strip().endswith(", 0 new")
    assert runner.invoke(run, ["2026H3"]).exit_code != 0


def test_confirm_needs_a_reason_and_happens_once(app, province, cluster):
    client = app.test_client()
    sign_in(client, "assoc-staff")
    _run(client)
    with app.app_context():
        finding_id = _finding("outlet_cluster").id
        events = _count(AuditEntry)
    refused = client.post(f"/analysis/findings/{finding_id}/confirm", data={"reason": ""})
    assert refused.status_code == 422 and "请填写理由" in refused.text
    with app.app_context():
        assert db.session.get(Finding, finding_id).status == "open"
        assert _count(AuditEntry) == events
    page = client.post(
        f"/analysis/findings/{finding_id}/confirm", data={"reason": "网点ATM故障集中。"}
    )
    assert page.status_code == 200 and "已确认" in page.text
    assert (
        client.post(f"/analysis/findings/{finding_id}/confirm", data={"reason": "再次"}).status_code
        == 409
    )
    assert (
        client.post(f"/analysis/findings/{finding_id}/dismiss", data={"reason": "x"}).status_code
        == 409
    )
    # The leader reads, the administrator decides too; a member sees no finding at all.
    leader = app.test_client()
    sign_in(leader, "assoc-leader")
    assert leader.get(f"/analysis/findings/{finding_id}").status_code == 200
    assert (
        leader.post(f"/analysis/findings/{finding_id}/words", data={"words": "x"}).status_code
        == 403
    )
    member = app.test_client()
    sign_in(member, "bank1-admin")
    assert member.get(f"/analysis/findings/{finding_id}").status_code == 404
    assert member.get("/analysis").status_code == 403


def _confirmed_cluster(app, client):
    _run(client)
    with app.app_context():
        finding_id = _finding("outlet_cluster").id
    client.post(f"/analysis/findings/{finding_id}/confirm", data={"reason": "属实。"})
    return finding_id


def test_typical_case_advice_answer_and_follow_up(app, province, cluster):
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    finding_id = _confirmed_cluster(app, staff)
    # A typical case must be one of the finding's own complaints.
    foreign = cluster["chain"][0]
    assert (
        staff.post(
            f"/analysis/findings/{finding_id}/typical", data={"case_id": foreign}
        ).status_code
        == 422
    )
    typical = cluster["cluster"][0]
    page = staff.post(f"/analysis/findings/{finding_id}/typical", data={"case_id": typical})
    assert page.status_code == 200 and "典型案例" in page.text
    bank1, bank2 = province.unit("bank1").id, province.unit("bank2").id
    advice_form = {
        "title": "ATM吞卡整改",
        "text": "请排查ATM设备并公示吞卡处理流程。",
        "due_on": "2026-12-31",
        "members": [str(bank1)],
    }
    # Bad input writes nothing: a date in the past, no addressee, another kind of id.
    for bad in (
        {"due_on": "2026-11-01"},
        {"members": []},
        {"members": ["999999"]},
        {"due_on": "not a date"},
    ):
        response = staff.post(f"/analysis/findings/{finding_id}/advice", data=advice_form | bad)
        assert response.status_code == 422, bad
    with app.app_context():
        assert _count(Advice) == 0
    response = staff.post(f"/analysis/findings/{finding_id}/advice", data=advice_form)
    assert response.status_code == 200
    with app.app_context():
        advice_id = db.session.scalar(select(Advice.id))
        told = {n.user.username for n in db.session.scalars(select(Notification))}
    assert {"bank1-a", "bank1-leader"} <= told and "bank2-a" not in told

    # The addressed member sees it and answers; another member gets 404 and an empty list.
    member = app.test_client()
    sign_in(member, "bank1-a")
    assert f'data-testid="advice-{advice_id}"' in member.get("/analysis/advice").text
    assert member.get(f"/analysis/advice/{advice_id}").status_code == 200
    assert member.post(f"/analysis/advice/{advice_id}/answer", data={"text": ""}).status_code == 422
    answered = member.post(
        f"/analysis/advice/{advice_id}/answer", data={"text": "已更换读卡器，培训网点人员。"}
    )
    assert answered.status_code == 200 and "已答复" in answered.text
    other = app.test_client()
    sign_in(other, "bank2-a")
    assert other.get(f"/analysis/advice/{advice_id}").status_code == 404
    assert other.post(f"/analysis/advice/{advice_id}/answer", data={"text": "x"}).status_code == 404
    assert 'data-testid="advice-empty"' in other.get("/analysis/advice").text
    # A member's leader reads but does not answer; a member cannot follow up.
    leader = app.test_client()
    sign_in(leader, "bank1-leader")
    assert (
        leader.post(f"/analysis/advice/{advice_id}/answer", data={"text": "x"}).status_code == 403
    )
    assert (
        member.post(
            f"/analysis/advice/{advice_id}/review",
            data={"member": bank1, "decision": "closed", "text": "x"},
        ).status_code
        == 403
    )
    with app.app_context():
        told = {
            n.user.username
            for n in db.session.scalars(
                select(Notification).where(Notification.title.like("%答复%"))
            )
        }
    assert {"assoc-staff", "assoc-admin"} <= told

    # The association follows up (open again), the member answers more, then it closes.
    review = {"member": bank1, "decision": "follow_up", "text": "请补充培训记录。"}
    assert staff.post(f"/analysis/advice/{advice_id}/review", data=review).status_code == 200
    wrong = review | {"member": bank2}
    assert staff.post(f"/analysis/advice/{advice_id}/review", data=wrong).status_code == 422
    assert (
        member.post(
            f"/analysis/advice/{advice_id}/answer", data={"text": "培训记录已上传。"}
        ).status_code
        == 200
    )
    closed = staff.post(
        f"/analysis/advice/{advice_id}/review",
        data=review | {"decision": "closed", "text": "办结。"},
    )
    assert closed.status_code == 200 and "已办结" in closed.text
    late = member.post(f"/analysis/advice/{advice_id}/answer", data={"text": "x"})
    assert late.status_code == 422  # closed is final: refused, nothing written
    with app.app_context():
        actions = list(db.session.scalars(select(AdviceEntry.action).order_by(AdviceEntry.id)))
    assert actions == ["issued", "answered", "follow_up", "answered", "closed"]


def test_bulletin_section_from_confirmed_findings(app, province, cluster):
    from portal.bulletins import pdf
    from portal.bulletins.models import Bulletin

    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    finding_id = _confirmed_cluster(app, staff)
    staff.post(
        f"/analysis/findings/{finding_id}/words",
        data={"words": "某网点ATM吞卡投诉集中，设备老化。"},
    )
    staff.post(f"/analysis/findings/{finding_id}/typical", data={"case_id": cluster["cluster"][1]})
    staff.post(
        f"/analysis/findings/{finding_id}/advice",
        data={
            "title": "ATM吞卡整改",
            "text": "请排查设备。",
            "due_on": "2026-12-31",
            "members": [str(province.unit("bank1").id)],
        },
    )
    with app.app_context():
        repeat_id = _finding("repeat_chain").id
    staff.post(f"/analysis/findings/{repeat_id}/dismiss", data={"reason": "已解决。"})
    response = staff.post("/bulletins", data={"period": "2026H2"})
    bulletin_id = int(response.headers["Location"].rsplit("/", 1)[1])
    editor = staff.get(f"/bulletins/{bulletin_id}").text
    assert 'data-testid="bulletin-analysis"' in editor and "设备老化" in editor
    with app.app_context():  # as the job worker renders it
        from portal.auth.models import User

        user = db.session.get(User, province.user("assoc-staff").id)
        context = pdf.build_context(db.session.get(Bulletin, bulletin_id), user)
        html = pdf.render_html(context)
    (finding,) = context["analysis_findings"]  # the dismissed one is not there
    assert finding["figures"].startswith("4周内3件")
    assert finding["case"]["facts"].count("[电话已隐去]") == 1  # made anonymous
    assert "设备老化" in html and "ATM吞卡整改" in html and "待答复" in html
    assert "4周内3件" in html


def test_thresholds_are_the_administrators_and_audited(app, province, cluster):
    admin = app.test_client()
    sign_in(admin, "assoc-admin")
    assert admin.get("/analysis/thresholds").status_code == 200
    values = {
        "cluster_count": "4",
        "cluster_weeks": "4",
        "surge_percent": "50",
        "surge_minimum": "5",
        "rise_members": "3",
        "rise_minimum": "2",
        "repeat_chain": "2",
    }
    assert (
        admin.post("/analysis/thresholds", data=values | {"cluster_count": "0"}).status_code == 422
    )
    assert (
        admin.post("/analysis/thresholds", data=values | {"repeat_chain": "x"}).status_code == 422
    )
    assert admin.post("/analysis/thresholds", data=values).status_code == 200
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "analysis_thresholds_updated")
        )
        assert entry.changes == {"cluster_count": [3, 4]}
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    assert staff.get("/analysis/thresholds").status_code == 403
    assert staff.post("/analysis/thresholds", data=values).status_code == 403
    _run(staff)
    with app.app_context():
        assert _finding("outlet_cluster") is None  # three is below the new four


@pytest.mark.parametrize("period", ["2026H3", "", "26H1", "2026h2x"])
def test_a_bad_period_is_refused(app, province, period):
    client = app.test_client()
    sign_in(client, "assoc-staff")
    response = _run(client, period)
    assert response.status_code == 422
    assert "error-summary" in response.text or "2026H1" in response.text


def test_branch_officers_have_no_part(app, province):
    client = app.test_client()
    sign_in(client, "bank1-outlet1")
    assert client.get("/analysis").status_code == 403
    assert client.get("/analysis/advice").status_code == 403
    assert client.post("/analysis/run", data={"period": "2026H2"}).status_code == 403


def test_flask_command_line(app, database_url, tmp_path):
    # The command as an operator types it (flask --app wsgi analysis run 2026H2).
    env_url = database_url
    if not env_url.startswith("sqlite"):
        pytest.skip("the subprocess check runs on SQLite")
    result = subprocess.run(
        [".venv/bin/flask", "--app", "wsgi", "analysis", "run", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "PERIOD" in result.stdout


def test_ids_out_of_range_and_control_characters_are_refused(app, province):
    client = app.test_client()
    sign_in(client, "assoc-staff")
    for url in ("/analysis/findings/99999999999999999999", "/analysis/advice/9223372036854775808"):
        assert client.get(url).status_code == 404, url
    url = "/analysis/findings/99999999999999999999/confirm"
    assert client.post(url, data={"reason": "x"}).status_code == 404
    assert client.post("/analysis/run", data={"period": "2026H2\x00"}).status_code in (400, 422)
