"""Issue 21, point 2: no full mobile or ID number in a URL the portal produces or accepts.
The intake worksheet's repeat look-up posts its fields; the inbox's search box posts its
term and a number comes back as an opaque reference (``ref=``) that only its user can
read, for a day; a number put in ``q`` by hand is not searched; the access log leaves
query strings out."""

import re
import runpy
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select
from support import make_case, sign_in
from test_complaint_forms import NOW

from portal.complaints.models import Complaint, SearchRef
from portal.complaints.search_refs import is_personal
from portal.db import db

MOBILE = "13812345678"
ID_NUMBER = "21010219800101123X"


def found(html: str) -> int:
    return html.count('id="case-row-')


def _client(app, username="assoc-staff"):
    app.config["FROZEN_NOW"] = NOW
    client = app.test_client()
    sign_in(client, username)
    return client


def _urls(html: str) -> list[str]:
    return re.findall(r'(?:href|hx-get|hx-post|action)="([^"]*)"', html)


def test_the_repeat_look_up_goes_by_post_and_a_get_with_a_number_is_refused(app, province):
    earlier = make_case(app, province, mobile=MOBILE)
    with app.app_context():
        tracking = db.session.get(Complaint, earlier).tracking_no
    staff = _client(app)
    worksheet = staff.get("/cases/new").get_data(as_text=True)
    assert 'hx-post="/cases/repeats"' in worksheet and 'hx-get="/cases/repeats"' not in worksheet
    found_ = staff.post("/cases/repeats", data={"mobile": MOBILE}, headers={"HX-Request": "true"})
    assert found_.status_code == 200 and tracking in found_.get_data(as_text=True)
    refused = staff.get(f"/cases/repeats?mobile={MOBILE}", headers={"HX-Request": "true"})
    assert refused.status_code == 400 and tracking not in refused.get_data(as_text=True)
    refused = staff.get(f"/cases/repeats?id_number={ID_NUMBER}")
    assert refused.status_code == 400
    # The page twin still answers by outlet and category, which are not personal.
    assert staff.get("/cases/repeats").status_code == 200


def test_a_search_by_mobile_posts_and_the_list_carries_an_opaque_reference(app, province):
    app.config["PAGE_SIZE"] = 2
    ids = [make_case(app, province, mobile=MOBILE) for _ in range(3)]
    other = make_case(app, province, mobile="13900000000")
    staff = _client(app)
    inbox = staff.get("/cases").get_data(as_text=True)
    assert 'hx-post="/cases/search"' in inbox and 'method="post"' in inbox
    answer = staff.post("/cases/search", data={"q": MOBILE, "state": "all"})
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert MOBILE not in location and "q=" not in location
    args = parse_qs(urlsplit(location).query)
    assert args["state"] == ["all"] and len(args["ref"][0]) >= 32
    # The first page (a piece, as htmx asks for it after the redirect), then the next.
    first = staff.get(location, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert found(first) == 2 and f'id="case-row-{other}"' not in first
    assert all(MOBILE not in url for url in _urls(first))
    next_url = next(u for u in _urls(first) if "after=" in u).replace("&amp;", "&")
    assert f"ref={args['ref'][0]}" in next_url
    second = staff.get(next_url).get_data(as_text=True)
    shown = {int(n) for n in re.findall(r'id="case-row-(\d+)"', first + second)}
    assert shown == set(ids)
    # The whole page shows the term in the search box, never in a link.
    page = staff.get(location).get_data(as_text=True)
    assert f'value="{MOBILE}"' in page and all(MOBILE not in url for url in _urls(page))
    # Without script: the same redirect, followed by the browser.
    followed = staff.post("/cases/search", data={"q": MOBILE}, follow_redirects=True)
    assert MOBILE not in followed.request.url and found(followed.get_data(as_text=True)) == 2


def test_an_id_number_is_kept_encrypted_under_its_reference(app, province):
    staff = _client(app)
    location = staff.post("/cases/search", data={"q": ID_NUMBER}).headers["Location"]
    assert ID_NUMBER not in location
    with app.app_context():
        kept = db.session.scalars(select(SearchRef)).one()
        assert ID_NUMBER not in kept.term_enc and kept.ref in location


def test_another_users_or_an_unknown_reference_shows_the_list_without_search(app, province):
    mine = make_case(app, province, mobile=MOBILE)
    other = make_case(app, province, mobile="13900000000")
    staff = _client(app)
    location = staff.post("/cases/search", data={"q": MOBILE}).headers["Location"]
    leader = _client(app, "assoc-leader")
    html = leader.get(location).get_data(as_text=True)
    assert "请在搜索框中重新输入" in html and f'value="{MOBILE}"' not in html
    assert f'id="case-row-{mine}"' in html and f'id="case-row-{other}"' in html  # no search
    assert "请在搜索框中重新输入" in staff.get("/cases?ref=nonsense").get_data(as_text=True)
    # A day later the reference is gone (and the sweep drops it).
    app.config["FROZEN_NOW"] = NOW + timedelta(hours=25)
    assert "请在搜索框中重新输入" in staff.get(location).get_data(as_text=True)
    from portal.jobs.sweep import run_sweep

    with app.app_context():
        assert run_sweep(NOW + timedelta(hours=25))["search_refs_dropped"] == 1
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(SearchRef)) == 0


def test_a_number_in_q_is_not_searched_and_the_list_says_to_use_the_box(app, province):
    mine = make_case(app, province, mobile=MOBILE)
    other = make_case(app, province, mobile="13900000000")
    staff = _client(app)
    for q in (MOBILE, ID_NUMBER, "138 1234 5678", "1381234"):
        piece = staff.get("/cases", query_string={"q": q}, headers={"HX-Request": "true"})
        html = piece.get_data(as_text=True)
        assert piece.status_code == 200 and "请在搜索框中输入后搜索" in html, q
        assert f'id="case-row-{other}"' in html and f'id="case-row-{mine}"' in html, q
        assert all(q not in url for url in _urls(html)), q
        page = staff.get("/cases", query_string={"q": q, "state": "all"}).get_data(as_text=True)
        assert "请在搜索框中输入后搜索" in page and f'value="{q}"' not in page, q
        assert all(q not in url for url in _urls(page)), q  # the language switch too
        assert "state=all" in page
    # The export link of such a list does not search either.
    assert staff.get(f"/cases/export.xlsx?q={MOBILE}").status_code == 200


def test_short_terms_and_tracking_numbers_stay_in_the_url(app, province):
    case_id = make_case(app, province, mobile=MOBILE, complainant_name="王芳")
    with app.app_context():
        tracking = db.session.get(Complaint, case_id).tracking_no
    staff = _client(app)
    for term in ("王芳", tracking, "123456"):
        location = staff.post("/cases/search", data={"q": term}).headers["Location"]
        assert parse_qs(urlsplit(location).query)["q"] == [term] and "ref=" not in location
    assert found(staff.get(f"/cases?q={tracking}").get_data(as_text=True)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchRef)) == 0


def test_what_counts_as_personal():
    assert is_personal(MOBILE) and is_personal(ID_NUMBER) and is_personal("210102198001011")
    assert is_personal("138-1234-5678") and is_personal("1381234")
    assert not is_personal("LN2026-000123") and not is_personal("王芳")
    assert not is_personal("123456") and not is_personal("")


def test_the_access_log_leaves_query_strings_out():
    settings = runpy.run_path(str(Path(__file__).parents[2] / "gunicorn.conf.py"))
    log_format = settings["access_log_format"]
    assert "%(U)s" in log_format
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%({"):
        assert atom not in log_format, atom
