"""The API's contract (issue 24): the OpenAPI document at /api/v1/openapi.json names
exactly the routes the app serves under /api/v1, each with its method; it is a valid
OpenAPI 3.1 document (openapi-spec-validator); and every answer of a scenario that goes
through every operation — list, read, each step, an attachment, and the errors 400, 401,
403, 404, 409, 413, 415, 422, 429 — is one the document declares for that operation, status
and content type, and its body matches the declared schema (JSON Schema 2020-12, the
components resolved through a ``referencing`` registry, formats checked)."""

import io
import re
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from api_support import Api, token_for
from handoff_support import Desk, at
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.routing import RequestRedirect

PREFIX = "/api/v1"
DOCUMENT_URI = "urn:portal:api:v1:openapi"
# Routes under /api/v1 that are not operations of the API, and why.
NOT_OPERATIONS = {
    "api.not_found": "any other path or method: a 404/405 problem, not an operation",
    "api_screens.docs": "the HTML page that renders this document for reading",
}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200


def _template(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/cases/<int:case_id>`` → ``/cases/{case_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule).removeprefix(PREFIX)


def _pointer(*parts: str) -> str:
    """A JSON pointer to ``parts``, as a URI fragment."""
    escaped = (p.replace("~", "~0").replace("/", "~1") for p in parts)
    return quote("/" + "/".join(escaped), safe="/~")


@pytest.fixture
def document(app):
    response = app.test_client().get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_every_route_is_in_the_document_and_every_path_is_a_route(app, document):
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        if rule.endpoint in NOT_OPERATIONS:
            continue
        assert rule.endpoint.startswith("api."), f"{rule.rule} is no operation of the API"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            served.add((method.lower(), _template(rule.rule)))
    documented = {
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "put", "post", "delete", "patch"}
    }
    assert served - documented == set(), "routes the document does not name"
    assert documented - served == set(), "paths in the document that no route serves"
    # Each path parameter the document names is one of the route's.
    for path, item in document["paths"].items():
        named = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == named, (method, path)


def test_the_document_is_valid_openapi_3_1(document):
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation import OpenAPIV31SpecValidator

    assert document["openapi"].startswith("3.1.")
    validate(document, cls=OpenAPIV31SpecValidator)  # raises on the first problem
    # Every schema of the components is itself a valid JSON Schema 2020-12.
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_the_webhooks_are_described_as_openapi_3_1_webhooks(document):
    """The signed deliveries to a bank's system (``api.webhooks``) in the document's
    ``webhooks`` section: one per event, with the payload's schema and the headers."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation import OpenAPIV31SpecValidator

    from portal.api.webhooks import EVENTS, PAYLOAD_SCHEMA, openapi_webhooks

    described = openapi_webhooks()
    assert set(described) == set(EVENTS)
    if "webhooks" in document:  # served: as the webhooks module describes them
        assert document["webhooks"] == described
    validate(document | {"webhooks": described}, cls=OpenAPIV31SpecValidator)
    Draft202012Validator.check_schema(PAYLOAD_SCHEMA)


class Contract:
    """A client of the API that checks each answer against the document, and notes
    which (method, path, status) the scenario went through."""

    def __init__(self, app, document):
        self.app, self.document = app, document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(DOCUMENT_URI, resource)
        self.adapter = app.url_map.bind("localhost")
        self.seen: set[tuple[str, str, int]] = set()

    def operation(self, method: str, url: str) -> tuple[str, dict] | None:
        """The path template and operation ``url`` is, or None for a path outside them."""
        path = url.split("?")[0]
        try:
            rule, _args = self.adapter.match(path, method=method, return_rule=True)
        except RequestRedirect:  # pragma: no cover - a route with a trailing slash
            raise AssertionError(f"{method} {path} redirects") from None
        if rule.endpoint == "api.not_found":
            return None
        assert rule.endpoint not in NOT_OPERATIONS, f"{method} {path}: no operation"
        template = _template(rule.rule)
        return template, self.document["paths"][template][method.lower()]

    def _matches(self, where: str, schema_at: str, body) -> None:
        validator = Draft202012Validator(
            {"$ref": f"{DOCUMENT_URI}#{schema_at}"},
            registry=self.registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(body)
        ]
        assert errors == [], f"{where}: the body does not match its schema"

    def check(self, method: str, url: str, response):
        found = self.operation(method, url)
        if found is None:  # outside every operation: a problem, as the document says
            assert response.status_code in (404, 405), (method, url, response.status_code)
            assert response.mimetype == "application/problem+json"
            self._matches(url, _pointer("components", "schemas", "Problem"), response.get_json())
            return response
        template, operation = found
        status = str(response.status_code)
        where = f"{method} {url} → {status}"
        assert status in operation["responses"], f"{where}: undeclared status"
        declared = operation["responses"][status]
        if "$ref" in declared:
            name = declared["$ref"].rsplit("/", 1)[1]
            declared = self.document["components"]["responses"][name]
        for header, spec in declared.get("headers", {}).items():
            if spec.get("required"):  # the others are there when they apply
                assert header in response.headers, f"{where}: header {header} missing"
        content = declared.get("content")
        if not content:
            assert not response.data, f"{where}: a body the document does not declare"
            self.seen.add((method.lower(), template, response.status_code))
            return response
        assert response.mimetype in content, f"{where}: {response.mimetype} not declared"
        schema_at = _pointer("paths", template, method.lower(), "responses", status)
        if "$ref" in operation["responses"][status]:
            schema_at = _pointer("components", "responses", name)
        schema_at += _pointer("content", response.mimetype, "schema")
        self._matches(where, schema_at, response.get_json())
        self.seen.add((method.lower(), template, response.status_code))
        return response


class CheckedApi(Api):
    """``api_support.Api`` whose every answer goes through ``Contract.check``."""

    def __init__(self, client, token, contract: Contract):
        super().__init__(client, token)
        self.contract = contract

    def get(self, path: str, **kwargs):
        return self.contract.check("GET", PREFIX + path, super().get(path, **kwargs))

    def post(self, path: str, body=None, *, key=None, **kwargs):
        response = super().post(path, body, key=key, **kwargs)
        return self.contract.check("POST", PREFIX + path, response)


@pytest.fixture
def desk(app, province):
    app.config["FROZEN_NOW"] = at("2026-11-23", 10)
    return Desk(app, province)


def _forwarded(desk, outlet="bank1-outlet1") -> int:
    case_id = desk.register(outlet)
    desk.step("assoc-staff", case_id, "forward")
    return case_id


def test_every_answer_of_every_operation_matches_the_document(app, desk, document):
    contract = Contract(app, document)
    client = app.test_client()
    api = CheckedApi(client, token_for(app, "bank1-a"), contract)
    nobody = CheckedApi(client, None, contract)
    outlet = CheckedApi(client, token_for(app, "bank1-outlet1"), contract)

    # The document itself, and who the token is.
    contract.check("GET", f"{PREFIX}/openapi.json", client.get(f"{PREFIX}/openapi.json"))
    assert api.get("/me").status_code == 200
    assert nobody.get("/me").status_code == 401
    assert CheckedApi(client, "lnp_not-a-token", contract).get("/cases").status_code == 401
    assert api.get("/units").status_code == 200

    first = _forwarded(desk)
    second = _forwarded(desk)
    other_bank = _forwarded(desk, "bank2-outlet1")

    # The list and its filters, a page at a time; a bad filter or cursor is a 400.
    page = api.get("/cases?limit=1").get_json()
    assert page["items"] and page.get("next_cursor")
    assert api.get(f"/cases?limit=1&cursor={page['next_cursor']}").status_code == 200
    assert api.get("/cases?state=forwarded,handling").status_code == 200
    assert api.get("/cases?updated_since=2026-11-01T00:00:00Z").status_code == 200
    assert api.get("/cases?state=no-such-state").status_code == 400
    assert api.get("/cases?cursor=%%%").status_code == 400
    assert api.get("/cases?limit=0").status_code == 400
    # One case; another bank's and none answer 404.
    assert api.get(f"/cases/{first}").status_code == 200
    assert api.get(f"/cases/{other_bank}").status_code == 404
    assert api.get("/cases/999999").status_code == 404
    assert api.get("/no-such-thing").status_code == 404

    # Each step, to the report.
    assert api.step(first, "accept").status_code == 200
    contact = {"contacted_at": "2026-11-23T10:00:00+08:00", "how": "phone", "summary": "已联系"}
    stale = api.post(f"/cases/{first}/contact", {"version": 1} | contact)
    assert stale.status_code == 409, stale.get_data(as_text=True)
    assert api.step(first, "contact", summary="", contacted_at="").status_code == 422
    wrong_type = api.post(f"/cases/{first}/contact", data="version=1", content_type="text/plain")
    assert wrong_type.status_code == 415
    assert api.step(first, "contact", **contact).status_code == 200
    promised = (date(2026, 11, 23) + timedelta(days=10)).isoformat()
    assert api.step(first, "progress", summary="正在调查", promised_on=promised).status_code == 200
    assert (
        api.step(
            first,
            "final-reply",
            result="已致歉",
            told_at="2026-11-23T10:00:00+08:00",
            told_how="phone",
            reaction="接受",
        ).status_code
        == 200
    )
    assert api.step(first, "verify", finding="substantiated", facts="属实。").status_code == 200
    opinion = api.step(
        first, "rectifications", kind="rectification", opinion="加强培训", owner="营业部"
    )
    assert opinion.status_code == 200, opinion.get_data(as_text=True)
    item = opinion.get_json()["rectifications"][0]["id"]
    assert api.step(first, f"rectifications/{item}/done", note="已培训").status_code == 200
    version = api.get(f"/cases/{first}").get_json()["version"]
    upload = api.post(
        f"/cases/{first}/attachments",
        data={
            "files": (io.BytesIO(JPEG), "photo.jpg"),
            "text": "现场照片",
            "version": str(version),
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200, upload.get_data(as_text=True)
    # A body past the request limit: 413, as a problem.
    limit, app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_CONTENT_LENGTH"], 4096
    too_big = api.post(
        f"/cases/{first}/attachments",
        data={"files": (io.BytesIO(JPEG * 40), "big.jpg"), "text": "大", "version": str(version)},
        content_type="multipart/form-data",
    )
    app.config["MAX_CONTENT_LENGTH"] = limit
    assert too_big.status_code == 413
    assert api.step(first, "report", summary="已处理。").status_code == 200
    # A step the case no longer offers, and another bank's case: 403/409 and 404.
    assert api.step(first, "accept").status_code in (403, 409)
    assert api.post(f"/cases/{other_bank}/accept", {"version": 1}).status_code == 404

    # Passing a case down; then the outlet's token sees it, the bank's step is not its.
    # (with an idempotency key: sent again, the same answer, replayed)
    accept = {"version": api.get(f"/cases/{second}").get_json()["version"]}
    once = api.post(f"/cases/{second}/accept", accept, key="accept-second")
    again = api.post(f"/cases/{second}/accept", accept, key="accept-second")
    assert once.status_code == again.status_code == 200
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.get_json() == once.get_json()
    units = api.get("/units").get_json()["items"]
    target = next(u["id"] for u in units if u["name"].endswith("1号网点"))
    assert api.step(second, "pass-down", unit_id=target, note="请核实").status_code == 200
    assert outlet.get(f"/cases/{second}").status_code == 200
    assert outlet.step(second, "report", summary="x").status_code in (403, 409, 422)

    # The rate limit: past it, 429 with Retry-After.
    app.config["API_RATE_LIMIT"] = 3
    limited = CheckedApi(client, token_for(app, "bank1-a", name="限流"), contract)
    answers = [limited.get("/me").status_code for _ in range(5)]
    assert answers[:3] == [200, 200, 200] and answers[-1] == 429

    # Every operation went through with its success, and each error was seen.
    operations = {
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post"}
    }
    succeeded = {(m, p) for m, p, s in contract.seen if 200 <= s < 300}
    assert operations - succeeded == set(), "operations the scenario did not go through"
    statuses = {s for _, _, s in contract.seen}
    assert {400, 401, 403, 404, 409, 413, 415, 422, 429} <= statuses, sorted(statuses)
