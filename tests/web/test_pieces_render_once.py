"""A full page renders each of its htmx pieces once; the piece answer renders it once.

A page takes a piece's macro with ``{% from "x/_piece.html" import m with context %}``,
and Jinja runs the imported file's top level on import: a piece file that rendered its
macro at top level unguarded (so that it can be the htmx answer) rendered it a second
time on every full page, for nothing. Piece files guard that call with ``as_piece``
(portal.web.htmx.render_page_or_piece).

A static check over every template (an imported file has no top-level output outside an
``as_piece`` guard, so a new piece cannot bring the waste back, and every guarded piece
is in PAGES), and a live one that counts macro runs while each page and its piece answer
are served. The count goes through Jinja's Macro._invoke: should Jinja stop calling it,
every count reads 0 and the live check fails rather than passing blind.
"""

from collections import Counter
from pathlib import Path

import pytest
from jinja2 import nodes
from jinja2.runtime import Macro
from support import NOW, make_case, sign_in

from portal.db import db

TEMPLATES = Path(__file__).resolve().parents[2] / "portal" / "templates"


def _parse_all(app) -> dict[str, nodes.Template]:
    env = app.jinja_env
    return {
        str(path.relative_to(TEMPLATES)): env.parse(path.read_text(encoding="utf-8"))
        for path in sorted(TEMPLATES.rglob("*.html"))
    }


def _is_as_piece_guard(node: nodes.Node) -> bool:
    """``{% if as_piece %}`` or ``{% if as_piece and … %}`` with no else branch."""
    if not isinstance(node, nodes.If) or node.elif_ or node.else_:
        return False
    test = node.test
    while isinstance(test, nodes.And):
        test = test.left
    return isinstance(test, nodes.Name) and test.name == "as_piece"


def _top_level_output(template: nodes.Template) -> list[int]:
    """Line numbers of top-level nodes that write something (blank text aside)."""
    lines = []
    for node in template.body:
        if isinstance(node, (nodes.Macro, nodes.Import, nodes.FromImport, nodes.Assign)):
            continue
        if isinstance(node, nodes.Output) and all(
            isinstance(part, nodes.TemplateData) and not part.data.strip() for part in node.nodes
        ):
            continue
        if _is_as_piece_guard(node):
            continue
        lines.append(node.lineno)
    return lines


def test_imported_templates_render_nothing_unless_they_are_the_answer(app):
    parsed = _parse_all(app)
    imported = {
        node.template.value
        for tree in parsed.values()
        for node in tree.find_all((nodes.Import, nodes.FromImport))
        if isinstance(node.template, nodes.Const)
    }
    assert {"complaints/_case.html", "duty/_absence_list.html"} <= imported  # guards the guard
    unguarded = {name: _top_level_output(parsed[name]) for name in sorted(imported)}
    unguarded = {name: lines for name, lines in unguarded.items() if lines}
    assert not unguarded, (
        f"imported templates with top-level output (wrap it in {{% if as_piece %}}): {unguarded}"
    )


def test_every_imported_piece_is_served_by_the_live_check(app):
    # A new piece file joins PAGES below, so its page and answer are counted too.
    parsed = _parse_all(app)
    guarded = {
        node.template.value
        for tree in parsed.values()
        for node in tree.find_all((nodes.Import, nodes.FromImport))
        if isinstance(node.template, nodes.Const)
        and any(_is_as_piece_guard(top) for top in parsed[node.template.value].body)
    }
    assert guarded - {template for _, _, template, _, _ in PAGES} == set()


@pytest.fixture
def macro_runs(monkeypatch):
    """Counts each macro body run as (template, macro)."""
    runs = Counter()
    invoke = Macro._invoke

    def counting(self, arguments, autoescape):
        runs[(self._func.__globals__.get("name"), self.name)] += 1
        return invoke(self, arguments, autoescape)

    monkeypatch.setattr(Macro, "_invoke", counting)
    return runs


@pytest.fixture
def objects(app, province):
    """One of everything the pages show: a case with its clock, an accountability case,
    a draft bulletin and its job."""
    from sqlalchemy import select

    from portal.accountability.models import AccountabilityCase
    from portal.auth.models import User
    from portal.bulletins import jobs, operations
    from portal.deadlines.models import Clock
    from portal.statistics.rules import parse_period

    case = make_case(app, province, state="handling")
    with app.app_context():
        clock = db.session.scalar(select(Clock.id).where(Clock.case_id == case))
        acc = AccountabilityCase(
            member_id=province.unit("bank1").id, trigger="media", opened_at=NOW
        )
        db.session.add(acc)
        staff = db.session.get(User, province.user("assoc-staff").id)
        draft = operations.create_draft(parse_period("2026H2"), actor=staff, now=NOW)
        job = jobs.enqueue(jobs.PREVIEW, {"bulletin_id": draft.id}, actor=staff, now=NOW)
        plan, summary = _plan_and_summary(province)  # Art. 9(3), 9(4)
        finding, advice = _finding_and_advice(province, case)  # Art. 8(5)
        db.session.commit()
        return {
            "plan": plan.id,
            "summary": summary.id,
            "case": case,
            "clock": clock,
            "acc": acc.id,
            "bulletin": draft.id,
            "job": job.id,
            "bank1": province.unit("bank1").id,
            "finding": finding,
            "advice": advice,
        }


def _finding_and_advice(province, case):
    from datetime import date

    from portal.analysis.models import Advice, AdviceAddressee, Finding, FindingCase

    finding = Finding(
        key="media_chain:r1:2026H2",
        kind="media_chain",
        period="2026H2",
        member_id=province.unit("bank1").id,
        figures={"media": 1, "size": 1},
        found_at=NOW,
        status="confirmed",
    )
    db.session.add(finding)
    db.session.flush()
    db.session.add(FindingCase(finding_id=finding.id, complaint_id=case, added_at=NOW))
    advice = Advice(
        finding_id=finding.id,
        period="2026H2",
        title="建议",
        text="整改",
        due_on=date(2026, 12, 31),
        issued_by_id=province.user("assoc-staff").id,
        issued_at=NOW,
    )
    db.session.add(advice)
    db.session.flush()
    db.session.add(AdviceAddressee(advice_id=advice.id, member_id=province.unit("bank1").id))
    return finding.id, advice.id


def _plan_and_summary(province):
    from datetime import date

    from portal.auth.models import User
    from portal.orgs.models import Unit
    from portal.plans.operations import file_plan
    from portal.summaries import operations as summaries

    member = db.session.get(User, province.user("bank1-a").id)
    bank1 = db.session.get(Unit, province.unit("bank1").id)
    plan = file_plan(
        member=bank1,
        actor=member,
        now=NOW,
        data={
            "kind": "holiday",
            "title": "节假日排队预案",
            "measures": "增开窗口。",
            "category_ids": [],
            "unit_ids": [],
            "starts_on": date(2026, 11, 1),
            "ends_on": date(2026, 12, 31),
        },
    )
    summary = summaries.start(member=bank1, period="2026H2", actor=member, now=NOW)
    summaries.add_measure(
        summary, action="复训", owner="个金部", due_on=date(2026, 12, 31), now=NOW
    )
    return plan, summary


B1 = "bank1-admin"
ADMIN = "assoc-admin"
STAFF = "assoc-staff"

# (who, path, the piece's macro as (template, name), on the page, in the piece answer).
# Most pieces are one macro that runs once either way; where a page holds two pieces the
# counts say which runs where.
ONCE = {"page": 1, "piece": 1}
PAGES = [
    (STAFF, "/cases", "complaints/_inbox_table.html", "inbox_table", ONCE),
    (STAFF, "/cases/{case}", "complaints/_case.html", "case_body", ONCE),
    (STAFF, "/cases/{case}/clocks/{clock}", "deadlines/_explain.html", "explain_clock", ONCE),
    (STAFF, "/cases/outlets?q=和平", "complaints/_outlet_options.html", "outlet_options", ONCE),
    (STAFF, "/cases/repeats", "complaints/_repeats.html", "repeat_list", ONCE),
    (ADMIN, "/categories", "complaints/_categories.html", "category_admin", ONCE),
    (STAFF, "/statistics", "statistics/_tables.html", "stat_tables", ONCE),
    (STAFF, "/statistics/codes?axis=A", "statistics/_codes.html", "code_table", ONCE),
    (ADMIN, "/statistics/rate-line", "statistics/_rate_line_setting.html", "rate_line_form", ONCE),
    (
        STAFF,
        "/statistics/rate-line/summary",
        "statistics/_rate_line_summary.html",
        "rate_line_summary",
        ONCE,
    ),
    (ADMIN, "/units", "admin/units/_table.html", "unit_table", ONCE),
    (ADMIN, "/units/{bank1}", "admin/units/_detail.html", "unit_detail", ONCE),
    (ADMIN, "/users", "admin/users/_table.html", "user_table", ONCE),
    (ADMIN, "/audit", "admin/audit/_table.html", "audit_table", ONCE),
    (ADMIN, "/outbox", "admin/outbox/_table.html", "outbox_table", ONCE),
    (ADMIN, "/notices", "admin/notices/_table.html", "notice_table", ONCE),
    (ADMIN, "/settings/contacts", "admin/notices/_contacts.html", "contacts_form", ONCE),
    (STAFF, "/notifications", "notify/_list.html", "notification_list", ONCE),
    (STAFF, "/duty/directory", "duty/_directory.html", "directory_table", ONCE),
    (STAFF, "/duty/changes", "duty/_changes.html", "change_feed", ONCE),
    (STAFF, "/duty/gaps", "duty/_gaps.html", "gap_overview", ONCE),
    (B1, "/duty/members/{bank1}", "duty/_profile.html", "member_profile", ONCE),
    (B1, "/duty/members/{bank1}/calendar", "duty/_calendar.html", "duty_calendar", ONCE),
    (B1, "/duty/members/{bank1}/absences", "duty/_absence_list.html", "absence_list", ONCE),
    # The absence page shows the entry form beside the list; the list's piece does not.
    (
        B1,
        "/duty/members/{bank1}/absences",
        "duty/_parts.html",
        "absence_form",
        {"page": 1, "piece": 0},
    ),
    (ADMIN, "/calendar/2026", "workdays/_year_grid.html", "year_view", ONCE),
    # Twelve months on the year page and in its piece: each once.
    (ADMIN, "/calendar/2026", "workdays/_month.html", "month_grid", {"page": 12, "piece": 12}),
    (ADMIN, "/calendar/2026/11", "workdays/_month.html", "month_grid", ONCE),
    (ADMIN, "/calendar/notice", "workdays/_notice_form.html", "notice_form", ONCE),
    (ADMIN, "/calendar/explain", "workdays/_explain_form.html", "calculator", ONCE),
    (STAFF, "/accountability", "accountability/_list.html", "case_list", ONCE),
    (STAFF, "/accountability/{acc}", "accountability/_case.html", "accountability_case", ONCE),
    (
        STAFF,
        "/accountability/eligibility",
        "accountability/_eligibility.html",
        "eligibility_register",
        ONCE,
    ),
    (
        ADMIN,
        "/accountability/thresholds",
        "accountability/_thresholds.html",
        "thresholds_form",
        ONCE,
    ),
    (ADMIN, "/deadlines/settings", "deadlines/_policy.html", "policy_form", ONCE),
    (
        STAFF,
        "/rectifications?status=all",
        "complaints/_rectifications.html",
        "rectification_list",
        ONCE,
    ),
    (STAFF, "/bulletins", "bulletins/_list.html", "bulletin_list", ONCE),
    (STAFF, "/bulletins/{bulletin}", "bulletins/_editor.html", "bulletin_editor", ONCE),
    (STAFF, "/bulletins/jobs/{job}", "bulletins/_job.html", "job_status", ONCE),
    (STAFF, "/bulletins/returns", "returns/_list.html", "return_list", ONCE),
    (STAFF, "/cases/999999", "errors/_error.html", "error_box", ONCE),
    (STAFF, "/plans?status=all", "plans/_list.html", "plan_list", ONCE),
    (STAFF, "/plans/{plan}", "plans/_plan.html", "plan_view", ONCE),
    (B1, "/plans/new", "plans/_form.html", "plan_form", ONCE),
    (STAFF, "/plans/for-case/{case}", "plans/_covering.html", "covering_plans", ONCE),
    (STAFF, "/summaries", "summaries/_status.html", "status_table", ONCE),
    (B1, "/summaries", "summaries/_mine.html", "my_summaries", ONCE),
    (STAFF, "/summaries/{summary}", "summaries/_summary.html", "summary_view", ONCE),
    (STAFF, "/summaries/measures", "summaries/_measures.html", "measure_list", ONCE),
    (STAFF, "/major/cases/{case}", "major/_case.html", "major_case", ONCE),
    (STAFF, "/major?state=all", "major/_list.html", "proposal_list", ONCE),
    (STAFF, "/major/dashboard", "major/_dashboard.html", "major_dashboard", ONCE),
    (ADMIN, "/major/settings", "major/_settings.html", "settings_form", ONCE),
    (STAFF, "/analysis", "analysis/_findings.html", "findings_panel", ONCE),
    (STAFF, "/analysis/findings/{finding}", "analysis/_finding.html", "analysis_finding", ONCE),
    (STAFF, "/analysis/advice", "analysis/_advice_list.html", "advice_list", ONCE),
    (STAFF, "/analysis/advice/{advice}", "analysis/_advice.html", "advice_detail", ONCE),
    (ADMIN, "/analysis/thresholds", "analysis/_thresholds.html", "thresholds_form", ONCE),
    (STAFF, "/archives", "archives/_list.html", "dossier_list", ONCE),
    (STAFF, "/archives/cases/{case}", "archives/_for_case.html", "case_archive", ONCE),
    (STAFF, "/tracking/cases/{case}", "tracking/_case.html", "tracking_case", ONCE),
    (ADMIN, "/archives/settings", "archives/_settings.html", "retention_form", ONCE),
    (STAFF, "/cases/new/coding", "complaints/_coding.html", "coding_fieldset", ONCE),
]


def test_each_page_renders_its_piece_once_and_the_piece_answer_too(app, objects, macro_runs):
    clients = {}
    failures = []
    for user, path, template, macro, expected in PAGES:
        if user not in clients:
            clients[user] = app.test_client()
            sign_in(clients[user], user)
        client = clients[user]
        url = path.format(**objects)
        for kind, headers in (("page", {}), ("piece", {"HX-Request": "true"})):
            macro_runs.clear()
            response = client.get(url, headers=headers)
            html = response.get_data(as_text=True)
            assert response.status_code in (200, 202, 404), (url, kind, response.status_code)
            if not html.strip() or ("<html" in html) != (kind == "page"):
                failures.append(f"{url} ({kind}): not a {kind}: {html[:80]!r}")
            runs = macro_runs[(template, macro)]
            if runs != expected[kind]:
                failures.append(f"{url} ({kind}): {template} {macro} ran {runs}×")
    assert not failures, "\n".join(failures)
