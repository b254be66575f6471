"""The search box (queries.search_condition): Chinese names and keywords are mostly two
characters, so two are enough; one is not searched (the hint says why); wildcards are
taken literally; on PostgreSQL a two-character search is served by the doubled trigram
indexes (migration b8d2f4a6c1e3), on SQLite by an FTS5 index of the doubled texts
(migration 87bf43543f26), instead of reading every case; both find what LIKE finds."""

import re
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select, text
from support import make_case, sign_in, sqlite_plans, statements_sent

from portal.auth.models import User
from portal.complaints import operations as ops
from portal.complaints import queries
from portal.complaints.models import SEARCH_PENDING_LIST_KB, Complaint
from portal.complaints.queries import search_condition
from portal.db import db
from portal.national.bulk import BulkWriter
from portal.national.tables import COMPLAINT_COLUMNS

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing


def rows(client, q: str) -> str:
    return client.get("/cases", query_string={"state": "all", "q": q}).get_data(as_text=True)


def found(html: str) -> int:
    return html.count('id="case-row-')


@pytest.fixture
def cases(app, province):
    app.config["FROZEN_NOW"] = NOW
    return {
        "wang": make_case(app, province, complainant_name="王芳", facts="ATM吞卡，等候两小时。"),
        "wang2": make_case(app, province, complainant_name="王芳芳", facts="利率5%未告知。"),
        "li": make_case(app, province, complainant_name="李娜", facts="柜员态度差。"),
    }


def test_two_characters_find_names_and_keywords(app, province, cases):
    client = app.test_client()
    sign_in(client, "assoc-staff")
    html = rows(client, "王芳")
    assert found(html) == 2  # 王芳 and 王芳芳
    assert f'id="case-row-{cases["wang"]}"' in html and f'id="case-row-{cases["wang2"]}"' in html
    assert found(rows(client, "吞卡")) == 1
    assert found(rows(client, "态度")) == 1
    assert found(rows(client, "芳李")) == 0  # no case holds these two in a row


def test_runs_of_a_character_and_latin_case_match_as_written(app, province, cases):
    """On PostgreSQL a term is looked up doubled (for the indexes) and as written (a cheap
    test first): both must agree, for runs of one character and for Latin letters in
    either case, as on SQLite."""
    client = app.test_client()
    sign_in(client, "assoc-staff")
    assert f'id="case-row-{cases["wang2"]}"' in rows(client, "芳芳")
    assert found(rows(client, "芳芳")) == 1  # 王芳 holds one 芳
    assert found(rows(client, "atm")) == 1 and found(rows(client, "Atm吞")) == 1
    assert found(rows(client, "芳王")) == 0


def test_one_character_is_not_searched_and_the_list_says_why(app, province, cases):
    client = app.test_client()
    sign_in(client, "assoc-staff")
    piece = client.get(
        "/cases", query_string={"state": "all", "q": "王"}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert found(piece) == 0
    assert "请至少输入两个字" in piece


def test_wildcards_are_taken_literally(app, province, cases):
    client = app.test_client()
    sign_in(client, "assoc-staff")
    assert found(rows(client, "5%")) == 1
    assert found(rows(client, "%%")) == 0
    assert found(rows(client, "__")) == 0


def _counts_complaints(statement: str) -> bool:
    # Not SQLite's capped count of a term's entries in the full-text index
    # (complaint_search), which says whether the term is common, not how many it lists.
    return statement.startswith("SELECT count(") and re.search(r"FROM complaint\b", statement)


def test_a_text_search_is_counted_only_when_it_fits_on_one_page(app, province, cases):
    """Counting the matches of a common word took 20-200 ms at a million cases: a text
    search shows its total when its matches fit on the first page (the page is the
    count), else says it did not count. Lists without a text search are counted up to
    the cap, as before; a number search is one exact look-up and is counted too."""
    client = app.test_client()
    sign_in(client, "assoc-staff")
    with app.app_context(), statements_sent(_counts_complaints) as counts:
        try:
            app.config["PAGE_SIZE"] = 1
            more = rows(client, "王芳")
            assert found(more) == 1 and "下一页" in more
            assert "第 1 页（搜索结果不止一页，未统计总数）" in more
            assert counts == []

            app.config["PAGE_SIZE"] = 2
            fits = rows(client, "王芳")
            assert found(fits) == 2 and "共 2 条" in fits
            assert counts == []

            listed = client.get("/cases?state=all").get_data(as_text=True)
            assert found(listed) == 2 and "第 1 / 2 页，共 3 条" in listed
            assert len(counts) == 1
        finally:
            app.config["PAGE_SIZE"] = 25


@pytest.mark.postgresql_only("the doubled trigram indexes exist on PostgreSQL only")
def test_a_two_character_search_reads_the_doubled_indexes(app, province, cases):
    # Whatever the table's size, the plan must be able to use the indexes: with
    # sequential scans priced out, a search the indexes cannot serve still scans.
    with app.app_context():
        query = select(Complaint.id).where(search_condition("吞卡"))
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.session.scalars(text(f"EXPLAIN {compiled}")))
        db.session.rollback()
    for column in ("complainant_name", "facts", "demand"):
        assert f"ix_complaint_{column}_doubled_trgm" in plan, plan


@pytest.mark.postgresql_only("the trigram indexes exist on PostgreSQL only")
def test_search_indexes_keep_their_pending_lists_small(app):
    """Migration f4c2a8b61d07: a search reads a GIN index's whole pending list, 4 MB by
    default between vacuums (40 ms instead of 17 at a million cases)."""
    with app.app_context():
        options = dict(
            db.session.execute(
                text(
                    "SELECT c.relname, c.reloptions FROM pg_class c"
                    " JOIN pg_index i ON i.indexrelid = c.oid"
                    " JOIN pg_am am ON am.oid = c.relam"
                    " WHERE i.indrelid = 'complaint'::regclass AND am.amname = 'gin'"
                )
            ).all()
        )
        db.session.rollback()
    assert len(options) == 4, options
    limit = f"gin_pending_list_limit={SEARCH_PENDING_LIST_KB}"
    assert all(opts == [limit] for opts in options.values()), options


# -- The same meaning on both databases, whatever the index ---------------------------

TEXTS = [
    ("王芳", "ATM吞卡，等候两小时。"),
    ("王芳芳", "利率5%未告知。"),
    ("李娜", "柜员态度差。"),
    ("Zhang_Wei", '客户说"不行"。Card ABC-xyz.'),
    ("陈静", "退款100%到账，网点未告知。"),
]
# Two characters, three and more, Latin in either case, the wildcards, the quote and
# FTS5's own syntax taken literally, runs of one character, a fragment of the tracking
# numbers (three characters or more), nothing at all.
TERMS = [
    "王芳", "芳芳", "吞卡", "态度", "道歉", "芳李", "ATM吞", "atm", "Atm吞", "等候两小时",
    "卡，等", "5%", "%%", "__", "_W", "g_w", "ZHANG", '"不行"', '说"', "abc-XYZ", "100%",
    "0%到", "rd A", "OR", "卡*", "-x", "{ATM}", "LN2", "n20", "6-0", "不存在的词",
]  # fmt: skip


def ascii_lower(text: str) -> str:
    return "".join(c.lower() if c.isascii() else c for c in text)


def like_matches(app, q: str) -> set[int]:
    """The cases holding ``q`` as LIKE sees it, worked out in Python: a substring of the
    name, the facts or the demand (or, from three characters, the tracking number), the
    case of ASCII letters ignored (SQLite's LIKE; PostgreSQL's ILIKE ignores every
    alphabet's, which these texts do not tell apart)."""
    with app.app_context():
        rows = db.session.execute(
            select(
                Complaint.id,
                Complaint.complainant_name,
                Complaint.facts,
                Complaint.demand,
                Complaint.tracking_no,
            )
        ).all()
    term = ascii_lower(q)
    return {
        row.id
        for row in rows
        if any(term in ascii_lower(text) for text in row[1:4])
        or (len(q) >= 3 and term in ascii_lower(row.tracking_no))
    }


def searched(client, q: str) -> set[int]:
    html = client.get("/cases", query_string={"state": "all", "q": q}).get_data(as_text=True)
    return {int(i) for i in re.findall(r'id="case-row-(\d+)"', html)}


@pytest.fixture
def texts(app, province):
    app.config.update(FROZEN_NOW=NOW, PAGE_SIZE=100)
    return [make_case(app, province, complainant_name=n, facts=f) for n, f in TEXTS]


def test_a_text_search_finds_exactly_what_like_finds(app, texts):
    """On SQLite through its full-text index (migration 87bf43543f26), on PostgreSQL
    through the doubled trigram indexes: the same cases as a plain LIKE."""
    client = app.test_client()
    sign_in(client, "assoc-staff")
    for q in TERMS:
        assert searched(client, q) == like_matches(app, q), q


@pytest.mark.sqlite_only("SQLite's full-text index and its threshold for common terms")
def test_a_common_term_read_in_the_inbox_order_finds_the_same(app, texts, monkeypatch):
    """A term found in more than COMMON_TERM_MATCHES cases is looked for with LIKE alone,
    reading the inbox in its order: the same cases as through the index."""
    monkeypatch.setattr(queries, "COMMON_TERM_MATCHES", 0)
    client = app.test_client()
    sign_in(client, "assoc-staff")
    for q in TERMS:
        assert searched(client, q) == like_matches(app, q), q


def test_the_search_follows_intake_and_each_change_of_the_texts(app, province, texts):
    """The index is kept by the database itself on SQLite (triggers), so every write is
    seen: a new case, a corrected name, changed facts."""
    client = app.test_client()
    sign_in(client, "assoc-staff")
    new = make_case(app, province, complainant_name="欧阳娜娜", facts="存折挂失未办理。")
    assert searched(client, "欧阳") == {new}
    with app.app_context():
        case = db.session.get(Complaint, new)
        staff = db.session.get(User, province.user("assoc-staff").id)
        ops.correct(case, actor=staff, now=NOW, reason="姓名写错", complainant_name="司马娜娜")
        case.facts = "存单到期未兑付。"
        db.session.commit()
    assert searched(client, "欧阳") == set() and searched(client, "司马") == {new}
    assert searched(client, "挂失") == set() and searched(client, "兑付") == {new}
    assert searched(client, "娜娜") == {new}
    for q in TERMS:
        assert searched(client, q) == like_matches(app, q), q


@pytest.mark.sqlite_only("SQLite's LIKE ignores the case of ASCII letters only")
def test_the_index_may_find_more_than_like_and_like_decides(app, province):
    """FTS5 folds the case of every alphabet, SQLite's LIKE only of ASCII: what the
    index finds LIKE tests again, so the meaning is LIKE's, as before the index."""
    app.config["FROZEN_NOW"] = NOW
    case = make_case(app, province, complainant_name="Émile", facts="Ärger am Schalter.")
    client = app.test_client()
    sign_in(client, "assoc-staff")
    for q in ("Émile", "ÉMILE", "ÄRGER", "SCHALTER"):  # only ASCII letters differ
        assert searched(client, q) == {case}, q
    for q in ("émile", "ärger"):  # É and é, Ä and ä: the index finds them, LIKE does not
        assert searched(client, q) == set(), q


def _bulk_insert_like_demo_generate(app, template_id: int, rows: list[tuple[str, str]]) -> list:
    """New cases written as ``flask demo generate`` writes them (``national.bulk``: the
    driver's executemany on SQLite), copying the stored columns of ``template_id``."""
    columns = ", ".join(COMPLAINT_COLUMNS)
    with app.app_context():
        stored = list(
            db.session.connection()
            .exec_driver_sql(f"SELECT {columns} FROM complaint WHERE id = {int(template_id)}")
            .one()
        )
        first = db.session.scalar(select(func.max(Complaint.id))) + 1
        writer = BulkWriter({"complaint": COMPLAINT_COLUMNS}, background=False)
        ids = []
        for offset, (name, facts) in enumerate(rows):
            row = dict(zip(COMPLAINT_COLUMNS, stored, strict=True))
            row |= {
                "id": first + offset,
                "tracking_no": f"LN2026-9{offset:05d}",
                "complainant_name": name,
                "facts": facts,
            }
            writer.add("complaint", tuple(row.values()))
            ids.append(first + offset)
        writer.flush()
        writer.finish()
        db.session.commit()
    return ids


@pytest.mark.sqlite_only("PostgreSQL's indexes are the table's own; COPY is the owner's")
def test_cases_written_in_bulk_as_demo_generate_does_are_found(app, texts):
    ids = _bulk_insert_like_demo_generate(
        app, texts[0], [("上官婉儿", "网银转账失败。"), ("Zhang_Wei", "ATM吞卡。")]
    )
    client = app.test_client()
    sign_in(client, "assoc-staff")
    assert searched(client, "上官") == {ids[0]} and searched(client, "转账") == {ids[0]}
    for q in [*TERMS, "LN2026-9"]:
        assert searched(client, q) == like_matches(app, q), q


@pytest.mark.sqlite_only("SQLite's full-text index")
def test_a_text_search_reads_the_full_text_index(app, texts):
    """A term of two characters (and of more) is looked up in ``complaint_search``, not
    by reading every case."""
    client = app.test_client()
    sign_in(client, "assoc-staff")
    for q in ("吞卡", "态度差", "atm"):
        url = "/cases?" + urlencode({"state": "all", "q": q})
        plans = sqlite_plans(app, client, url, "ORDER BY complaint.next_due_at")
        assert plans and all("VIRTUAL TABLE" in plan for plan in plans), (q, plans)


@pytest.mark.sqlite_only("SQLite's triggers and index definitions")
def test_the_migrations_leave_the_search_triggers_and_the_inbox_order(app):
    """A migration that rebuilds the complaint table in batch mode drops its triggers
    and the DESC of its indexes (847889c8e10d did): it must make them again."""
    with app.app_context():
        schema = dict(
            db.session.execute(
                text("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'complaint'")
            ).all()
        )
    triggers = {"complaint_search_insert", "complaint_search_update", "complaint_search_delete"}
    assert triggers <= set(schema)
    in_order = [name for name in schema if name.endswith("due_order")]
    assert len(in_order) == 6
    for name in in_order:
        assert "next_due_at, received_at DESC, id DESC" in schema[name], schema[name]
