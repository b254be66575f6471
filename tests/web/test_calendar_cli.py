"""``flask --app wsgi calendar ...``: the interfaces acceptance checks use (keep them stable)."""

import json

from deadline_support import NOTICE_2027
from sqlalchemy import select

from portal.db import db
from portal.workdays.models import CalendarYear


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result, result.output.splitlines()


def test_due_prints_the_iso_date_first(app, province):
    result, lines = _run(app, "calendar", "due", "2025-09-30", "2")
    assert result.exit_code == 0 and lines == ["2025-10-10"]


def test_due_explains_on_request(app, province):
    result, lines = _run(app, "calendar", "due", "2025-09-30", "2", "--explain")
    assert lines[0] == "2025-10-10"
    assert "10月1日–10月8日 国庆节、中秋节（不计）" in lines
    assert lines[-1] == "期限：10月10日 23:59:59（北京时间）止"
    _, english = _run(app, "calendar", "due", "2025-09-30", "2", "--explain", "--lang", "en")
    assert "Due: 10 Oct, 23:59:59 Beijing time" in english


def test_due_in_an_unannounced_year_is_provisional(app, province):
    result, lines = _run(app, "calendar", "due", "2027-03-01", "2")
    assert result.exit_code == 0 and lines == ["2027-03-03", "provisional"]
    _, explained = _run(app, "calendar", "due", "2027-03-01", "2", "--explain")
    assert explained[:2] == ["2027-03-03", "provisional"]
    assert any("暂定" in line for line in explained)


def test_workdays_counts_after_the_first_date_through_the_second(app, province):
    # (26 Sep, 5 Oct 2025]: Sat 27 off, Sun 28 make-up (1), Mon 29 (2), Tue 30 (3),
    # 1-5 Oct National Day: 3 working days.
    result, lines = _run(app, "calendar", "workdays", "2025-09-26", "2025-10-05")
    assert result.exit_code == 0 and lines == ["3"]
    assert _run(app, "calendar", "workdays", "2025-10-05", "2025-09-26")[1] == ["0"]


def test_bad_arguments_fail_cleanly(app, province):
    result, _ = _run(app, "calendar", "due", "2025-13-01", "2")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
    result, _ = _run(app, "calendar", "due", "2025-10-01", "0")
    assert result.exit_code == 2
    result, _ = _run(app, "calendar", "due", "9999-12-31", "5")
    assert result.exit_code == 2 and "outside the years" in result.output


def test_import_year_from_json_and_csv(app, province, tmp_path):
    path = tmp_path / "notice-2027.json"
    path.write_text(json.dumps(NOTICE_2027, ensure_ascii=False), encoding="utf-8")
    result, lines = _run(app, "calendar", "import-year", "2027", str(path))
    assert result.exit_code == 0, result.output
    assert lines == [
        "2027: 18 days off, 2 make-up working days, confirmed; 0 open deadlines recomputed"
    ]
    assert _run(app, "calendar", "due", "2027-02-05", "1")[1] == ["2027-02-14"]
    with app.app_context():
        assert db.session.scalar(select(CalendarYear.confirmed).where(CalendarYear.year == 2027))

    csv_path = tmp_path / "notice-2027.csv"
    csv_path.write_text(
        "kind,name,from,to\n"
        "source,国务院办公厅关于2027年部分节假日安排的通知（更正）\n"
        "holiday,元旦,2027-01-01,2027-01-01\n"
        "holiday,劳动节,2027-05-01,2027-05-05\n"
        "makeup,劳动节,2027-04-25\n",
        encoding="utf-8",
    )
    result, lines = _run(app, "calendar", "import-year", "2027", str(csv_path))
    assert result.exit_code == 0, result.output
    assert _run(app, "calendar", "due", "2027-02-05", "1")[1] == ["2027-02-08"]
    assert _run(app, "calendar", "due", "2027-04-30", "1")[1] == ["2027-05-06"]
    _, shown = _run(app, "calendar", "show-year", "2027")
    assert shown[0] == "2027: confirmed"
    assert "2027-04-25 work makeup 劳动节 (notice)" in shown


def test_import_year_reports_every_problem_and_changes_nothing(app, province, tmp_path):
    bad = dict(NOTICE_2027, holidays=[{"name": "", "from": "2027-02-30", "to": "2027-02-01"}])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "import-year", "2027", str(path)])
    assert result.exit_code == 1
    assert "name（节日名称）不能为空" in result.output
    assert "from 日期 '2027-02-30' 无效" in result.output
    wrong_year = tmp_path / "wrong.json"
    wrong_year.write_text(json.dumps(NOTICE_2027), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "import-year", "2028", str(wrong_year)])
    assert result.exit_code == 1 and "与所选年份 2028 不一致" in result.output
    with app.app_context():
        assert db.session.get(CalendarYear, 2027) is None


def test_seed_is_idempotent(app, province):
    result, lines = _run(app, "calendar", "seed")
    assert result.exit_code == 0
    assert lines == ["calendar already holds every year the package covers"]
