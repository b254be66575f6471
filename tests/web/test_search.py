"""The search box (queries.search_condition): Chinese names and keywords are mostly two
characters, so two are enough; one is not searched (the hint says why); wildcards are
taken literally; on PostgreSQL a two-character search is served by the doubled trigram
indexes (migration b8d2f4a6c1e3) instead of reading every case."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from support import make_case, sign_in, statements_sent

from portal.complaints.models import SEARCH_PENDING_LIST_KB, Complaint
from portal.complaints.queries import search_condition
from portal.db import db

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
    return statement.startswith("SELECT count(") and "FROM complaint" in statement


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
