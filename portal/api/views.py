"""The API's operations. Thin, like the web's views: load through the scoping layer
(another member's case answers 404), check the step is the user's to take now, and take
it through ``complaints.actions.perform`` — the web's own dispatcher, forms, rules,
clocks, notices, history and signals — then answer with the case as it now stands.

Each operation declares itself to ``spec`` (its URL, its schemas): the URL map and the
OpenAPI document are both built from those declarations."""

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Response, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, or_
from sqlalchemy.orm import defer, joinedload
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import Map, Rule

from portal.api import idempotency, present
from portal.api.access import limit
from portal.api.openapi import document
from portal.api.problems import problem
from portal.api.spec import form_schema, operation, path_parameter, ref
from portal.auth.access import require
from portal.auth.roles import Permission
from portal.complaints import actions, forms, operations, queries
from portal.complaints.attachments import read_uploads
from portal.complaints.models import Category, Complaint
from portal.complaints.rules import ACTION_LABELS, State
from portal.complaints.signals import step_taken
from portal.db import db
from portal.deadlines.queries import next_steps
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import scope_root, units_query
from portal.web import bounds, clock
from portal.web.bounds import MAX_ID

CASE_ID = path_parameter("case_id", "the case's id")
JSON = "application/json"
PAGE_SIZE, PAGE_MAX = 50, 100


def _json(value, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(json.dumps(value, ensure_ascii=False), status=status, mimetype=JSON)
    for name, header in (headers or {}).items():
        response.headers[name] = header
    return response


def _load(case_id: int) -> Complaint:
    """A case in the token's user's scope (404 otherwise, as on the web)."""
    case = queries.load_case_or_404(current_user, case_id)
    require(Permission.CASE_VIEW)
    return case


# -- The document and the token -------------------------------------------------------


@operation(
    "GET",
    "/openapi.json",
    summary="This API's OpenAPI 3.1 document",
    tag="meta",
    responses={200: {"type": "object"}},
    public=True,
)
def openapi():
    return _json(document(server_url=request.host_url.rstrip("/") + "/api/v1"))


@operation(
    "GET",
    "/me",
    summary="The token: its system, its member bank and the user it acts as",
    tag="meta",
    responses={200: ref("Me")},
)
def me():
    return _json(present.me_value(g.api_token, limit()))


@operation(
    "GET",
    "/units",
    summary="The units below the token's scope, for passing a case down",
    description="Active units under the token's user's unit of scope (the member bank, "
    "or the branch of a branch officer), in tree order. `unit_id` of pass-down names one.",
    tag="units",
    responses={200: ref("UnitList")},
)
def units():
    require(Permission.CASE_VIEW)
    root = scope_root(current_user)
    rows = db.session.scalars(
        units_query(current_user)
        .where(Unit.is_active.is_(True), Unit.id != root.id)
        .order_by(Unit.path)
    )
    return _json({"items": [present.unit_value(u) for u in rows]})


# -- Cases ----------------------------------------------------------------------------


def _cursor(updated_at: datetime, case_id: int) -> str:
    raw = json.dumps([updated_at.astimezone(UTC).isoformat(), case_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(text: str) -> tuple[datetime, int]:
    try:
        padded = text + "=" * (-len(text) % 4)
        stamp, case_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.fromisoformat(stamp)
        if not isinstance(case_id, int) or not 0 < case_id <= MAX_ID or moment.tzinfo is None:
            raise ValueError
        if bounds.date_problem(moment, clock.local_today()):
            raise ValueError  # a crafted cursor: a moment no case was changed at
        return moment, case_id
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise BadRequest(_("cursor 无效，请使用上一页返回的 next_cursor。")) from None


def _moment_arg(name: str) -> datetime | None:
    text = request.args.get(name)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace(" ", "+"))
    except ValueError:
        raise BadRequest(
            _("%(name)s 应为 RFC 3339 时间，如 2026-11-23T10:00:00+08:00。", name=name)
        ) from None
    # The bounds of every date typed in (web.bounds): year 1 is no time to convert to UTC.
    if problem := bounds.date_problem(moment, clock.local_today()):
        raise BadRequest(f"{name}: {problem}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.tz())
    return moment.astimezone(UTC)


def _states_arg() -> list[str]:
    wanted = [s for v in request.args.getlist("state") for s in v.split(",") if s.strip()]
    known = {s.value for s in State}
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise BadRequest(_("state 只能取：%(states)s。", states=", ".join(sorted(known))))
    return wanted


def _limit_arg() -> int:
    text = request.args.get("limit")
    if text is None:
        return PAGE_SIZE
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= PAGE_MAX:
        raise BadRequest(_("limit 应为 1 至 %(n)s 的整数。", n=PAGE_MAX))
    return int(text)


@operation(
    "GET",
    "/cases",
    summary="The cases in the token's scope, oldest change first, in cursor pages",
    description="The cases the token's user sees on the web: for a member bank's user, "
    "those forwarded to the bank and held in its tree. Ordered by `updated_at`, then `id`: "
    "keep the last `updated_at` seen and ask again with `updated_since` to sync. "
    "Personal numbers are masked as in the portal's lists.",
    parameters=[
        {
            "name": "state",
            "in": "query",
            "description": "one or more states, comma-separated",
            "schema": {"type": "string"},
            "examples": {"open": {"value": "forwarded,handling"}},
        },
        {
            "name": "updated_since",
            "in": "query",
            "description": "only cases changed at or after this time (RFC 3339)",
            "schema": {"type": "string", "format": "date-time"},
        },
        {
            "name": "cursor",
            "in": "query",
            "description": "`next_cursor` of the previous page",
            "schema": {"type": "string"},
        },
        {
            "name": "limit",
            "in": "query",
            "description": f"cases per page (default {PAGE_SIZE})",
            "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_MAX},
        },
    ],
    responses={200: ref("CasePage")},
)
def cases():
    require(Permission.CASE_VIEW)
    states, since, size = _states_arg(), _moment_arg("updated_since"), _limit_arg()
    after = _decode_cursor(request.args["cursor"]) if request.args.get("cursor") else None
    query = queries.cases_query(current_user).options(
        # A list names each case; its texts are read one case at a time (GET /cases/{id}).
        defer(Complaint.facts),
        defer(Complaint.demand),
        joinedload(Complaint.category).joinedload(Category.parent),
        joinedload(Complaint.outlet),
        joinedload(Complaint.member),
        joinedload(Complaint.handling_unit),
    )
    root = scope_root(current_user)
    if root.kind != UnitKind.ASSOCIATION:
        # The same rows as the scope alone (a case enters a bank's tree only forwarded to
        # that bank), said as an indexed equality: read in order of change from
        # ``ix_complaint_member_updated`` instead of sorting the bank's whole tree.
        query = query.where(Complaint.member_id == (root.member_id or root.id))
    if states:
        query = query.where(Complaint.state.in_(states))
    if since is not None:
        query = query.where(Complaint.updated_at >= since)
    if after is not None:
        moment, last_id = after
        query = query.where(
            or_(
                Complaint.updated_at > moment,
                and_(Complaint.updated_at == moment, Complaint.id > last_id),
            )
        )
    rows = list(
        db.session.scalars(query.order_by(Complaint.updated_at, Complaint.id).limit(size + 1))
    )
    more = len(rows) > size
    rows = rows[:size]
    due = next_steps(current_user, [c.id for c in rows], clock.local_today())
    return _json(
        {
            "items": [present.case_summary(c, due.get(c.id)) for c in rows],
            "next_cursor": _cursor(rows[-1].updated_at, rows[-1].id) if more else None,
        }
    )


@operation(
    "GET",
    "/cases/{case_id}",
    summary="One case with its clocks, public history, version and the steps open now",
    parameters=[CASE_ID],
    responses={200: ref("Case")},
)
def case(case_id: int):
    return _json(present.case_value(_load(case_id)))


# -- Steps ----------------------------------------------------------------------------

VERSION_PROPERTIES = {
    "version": {
        "type": "integer",
        "description": "the case's `version` the step was decided on",
    },
    "seen_event": {
        "type": "integer",
        "description": "optional: the case's `last_event_id` as read; a 409 lists the "
        "history entries after it (all when left out)",
    },
}


def _body_schema(action: str, *, leave_out: frozenset[str] = frozenset()) -> dict:
    """The JSON body of ``action``: its web form's fields (``spec.form_schema``), less
    those the path carries, and the case's ``version``."""
    return form_schema(
        ACTIONS_FORMS[action],
        extra=VERSION_PROPERTIES,
        required_extra=("version",),
        leave_out=leave_out,
    )


ACTIONS_FORMS = {name: form_class for name, (form_class, _step) in actions.ACTIONS.items()}


def _type_problem(definition: dict, value) -> str | None:
    kind = definition.get("type")
    if kind == "boolean" and not isinstance(value, bool):
        return _("应为 true 或 false。")
    if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return _("应为整数。")
    if kind == "string" and not isinstance(value, str):
        return _("应为文本。")
    return None


def _local_minutes(text: str) -> str:
    """An RFC 3339 time as the web form's field takes it: Beijing wall-clock minutes. A
    time without an offset is taken as Beijing time; text that is no time goes to the form
    as it is, which refuses it with the web's message."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(clock.tz()).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M")


def formdata_of(action: str, body: dict, schema: dict, extra: dict | None = None):
    """The JSON body as the web form's posted fields (with the action's prefix), and
    the messages of the values no field could take ({} when none)."""
    data: MultiDict = MultiDict()
    errors: dict[str, list[str]] = {}
    properties = schema["properties"]
    for name, value in body.items():
        definition = properties.get(name)
        if definition is None:
            errors[name] = [_("不接受此字段。")]
            continue
        if value is None:
            continue
        if problem_text := _type_problem(definition, value):
            errors[name] = [problem_text]
            continue
        if definition.get("type") == "boolean":
            if value:
                data[f"{action}-{name}"] = "y"
        elif definition.get("format") == "date-time":
            data[f"{action}-{name}"] = _local_minutes(value)
        else:
            data[f"{action}-{name}"] = str(value)
    if body.get("version") is None and "version" not in errors:
        errors["version"] = [_("请提供读取案件时的版本号（version）。")]
    for name, value in (extra or {}).items():
        data[f"{action}-{name}"] = str(value)
    return data, errors


def _json_body() -> dict:
    if request.mimetype != JSON:
        from werkzeug.exceptions import UnsupportedMediaType

        raise UnsupportedMediaType(_("请以 application/json 发送请求内容。"))
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest(_("请求内容应为 JSON 对象。"))
    return body


def _form_errors(form) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        key = "_form" if name is None else ("version" if name == "seen_event" else name)
        errors.setdefault(key, []).extend(str(m) for m in messages)
    return errors


def _event_value(event) -> dict:
    return {
        "id": event.id,
        "at": present.when(event.at),
        "action": event.action,
        "label": _(ACTION_LABELS[event.action]) if event.action in ACTION_LABELS else event.action,
        "note": event.note,
        "actor": event.actor.full_name if event.actor else None,
        "unit": (event.actor_unit.short_name or event.actor_unit.name)
        if event.actor_unit
        else None,
        "detail": event.detail or {},
        "attachments": [],
    }


def _outcome_problem(outcome) -> Response:
    """The web's 409 or 422 as a problem; the step's writes (and the idempotency key's
    row) are rolled back, as the web's ``act`` does."""
    if outcome.status == 409:
        changes = [_event_value(e) for e in outcome.conflict or []]
        db.session.rollback()
        return problem(409, outcome.message, kind="stale-version", changes=changes)
    errors = _form_errors(outcome.form) if outcome.form is not None else {}
    db.session.rollback()
    return problem(422, _("输入内容未通过检查，请按 errors 修改后重试。"), errors=errors)


def _replay(stored: idempotency.Stored) -> Response:
    return _json(stored.body, stored.status, {"Idempotency-Replayed": "true"})


def _with_key(fingerprint_body, run: Callable[[], Response]) -> Response:
    """Run the write once per Idempotency-Key (when one is sent)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return run()
    key = key.strip()
    if not key or len(key) > idempotency.MAX_KEY:
        raise BadRequest(_("Idempotency-Key 应为 1 至 200 个字符。"))
    token_id = g.api_token.id
    print_ = idempotency.fingerprint(request.method, request.path, fingerprint_body)
    try:
        found = idempotency.begin(token_id, key, print_, clock.now())
    except idempotency.KeyReused:
        db.session.rollback()
        return problem(
            422,
            _("此 Idempotency-Key 已用于另一请求，请为新的请求使用新的键。"),
            kind="idempotency-key-reused",
        )
    except idempotency.KeyInUse:
        db.session.rollback()
        return problem(
            409,
            _("使用此 Idempotency-Key 的请求仍在处理中，请稍后重试。"),
            kind="idempotency-key-in-use",
        )
    if isinstance(found, idempotency.Stored):
        return _replay(found)
    response = run()
    if response.status_code < 400:
        idempotency.finish(found, response.status_code, response.get_json())
    return response


def _take(case_id: int, action: str, extra: dict | None = None) -> Response:
    body = _json_body()
    schema = _body_schema(action, leave_out=frozenset(extra or ()))

    def run() -> Response:
        case = _load(case_id)
        formdata, errors = formdata_of(action, body, schema, extra)
        if errors:
            return problem(422, _("输入内容未通过检查，请按 errors 修改后重试。"), errors=errors)
        user = current_user._get_current_object()
        if actions.gate(action) not in queries.actions_for(user, case):
            # Someone took the step first (the other handler accepted): a conflict to
            # explain, as on the web; otherwise the step is not this user's.
            stale = actions.stale_outcome(action, case, formdata)
            if stale is None:
                return problem(403, _("此案件当前不能由本令牌的用户进行这一步。"))
            return _outcome_problem(stale)
        outcome = actions.perform(action, case, user, formdata=formdata)
        if outcome.status >= 400:
            return _outcome_problem(outcome)
        db.session.flush()
        return _json(present.case_value(case, clocks=outcome.clocks))

    return _with_key(body, run)


def _step(action: str, path: str, summary: str, description: str, extra_params=()):
    """Declare the step ``action`` (a key of ``complaints.actions.ACTIONS``) at ``path``."""
    path_names = [p["name"] for p in extra_params]

    def view(case_id: int, **ids):
        return _take(case_id, action, extra=ids or None)

    view.__name__ = f"step_{action}"
    operation(
        "POST",
        path,
        summary=summary,
        description=description,
        tag="steps",
        parameters=[CASE_ID, *extra_params],
        body=_body_schema(action, leave_out=frozenset(path_names)),
        responses={200: ref("Case")},
        write=True,
    )(view)
    return view


ITEM_ID = path_parameter("item_id", "the rectification's id (the case's `rectifications`)")

_step(
    "accept",
    "/cases/{case_id}/accept",
    "Accept a case forwarded to the member (handler A or B on duty, first one wins)",
    "Art. 7. Meets the acceptance clock and starts the verification and report clocks. "
    "A case the other handler accepted first answers 409.",
)
_step(
    "forward_down",
    "/cases/{case_id}/pass-down",
    "Pass the case down to a unit below (GET /units), with a note",
    "Art. 9(1), 10: the unit's reply clock (3 working days) starts on arrival.",
)
_step(
    "contact",
    "/cases/{case_id}/contact",
    "Record contact with the customer",
    "Art. 11(3). Photos and recordings: POST /cases/{case_id}/attachments.",
)
_step(
    "progress",
    "/cases/{case_id}/progress",
    "Report progress with a promised date of the next reply",
    "Art. 11(3): the promise is a tracked clock.",
)
_step(
    "final_reply",
    "/cases/{case_id}/final-reply",
    "Record the final reply to the customer",
    "Art. 11(3): meets the reply clock.",
)
_step(
    "verify",
    "/cases/{case_id}/verify",
    "Record the verification finding",
    "Art. 11(2): meets the verification clock.",
)
_step(
    "rectify",
    "/cases/{case_id}/rectifications",
    "Give a rectification or staff-handling opinion (substantiated cases)",
    "Art. 9(2): an opinion with a completion date is a clock of the complained outlet.",
)
_step(
    "rectify_done",
    "/cases/{case_id}/rectifications/{item_id}/done",
    "Report a rectification opinion completed",
    "Art. 9(2).",
    extra_params=(ITEM_ID,),
)
_step(
    "report",
    "/cases/{case_id}/report",
    "Report the result to the association",
    "Art. 11(2): meets the report clock; the association reviews and closes.",
)

# -- Attachments ----------------------------------------------------------------------

ATTACHMENT_BODY = {
    "type": "object",
    "properties": {
        "files": {
            "type": "array",
            "items": {"type": "string", "contentMediaType": "application/octet-stream"},
            "description": "one or more files: images (JPG/PNG/HEIC), PDF scans, recordings "
            "(MP3/WAV/M4A/AMR), 10 MB each; the type is judged from the bytes",
        },
        "text": {
            "type": "string",
            "minLength": 1,
            "maxLength": 5000,
            "description": "what the files are: the note of the case history they hang on",
        },
        "version": VERSION_PROPERTIES["version"],
        "seen_event": VERSION_PROPERTIES["seen_event"],
    },
    "required": ["files", "text", "version"],
}


def _upload_fingerprint() -> dict:
    files = []
    for storage in request.files.getlist("files"):
        digest = hashlib.sha256(storage.stream.read()).hexdigest()
        storage.stream.seek(0)
        files.append([storage.filename, digest])
    fields = {k: request.form.getlist(k) for k in sorted(request.form)}
    return {"fields": fields, "files": files}


@operation(
    "POST",
    "/cases/{case_id}/attachments",
    summary="Upload files to a case, as a note of its history",
    description="The files hang on a new public note of the case history (its `text` says "
    "what they are), as the web's contact record carries its photos; the same checks as the "
    "web's uploads. A note changes no clock and not the case's `version`.",
    tag="steps",
    parameters=[CASE_ID],
    body=ATTACHMENT_BODY,
    multipart=True,
    responses={200: ref("Case")},
    write=True,
)
def attachments(case_id: int):
    if request.mimetype != "multipart/form-data":
        from werkzeug.exceptions import UnsupportedMediaType

        raise UnsupportedMediaType(_("请以 multipart/form-data 上传文件。"))

    def run() -> Response:
        case = _load(case_id)
        user = current_user._get_current_object()
        version = request.form.get("version")
        errors: dict[str, list[str]] = {}
        if not version:
            errors["version"] = [_("请提供读取案件时的版本号（version）。")]
        elif version != str(case.version):
            stale = actions.stale_outcome(
                "note",
                case,
                {"note-version": version, "note-seen_event": request.form.get("seen_event")},
            )
            assert stale is not None
            return _outcome_problem(stale)
        form = forms.NoteForm(
            formdata=MultiDict({"note-text": request.form.get("text", "")}),
            prefix="note",
            meta={"csrf": False},
        )
        if not form.validate():
            errors["text"] = [str(m) for m in form.text.errors]
        uploads, problems = read_uploads(request.files.getlist("files"))
        if problems:
            errors["files"] = [_(p) for p in problems]
        elif not uploads:
            errors["files"] = [_("请选择要上传的文件。")]
        if errors:
            return problem(422, _("输入内容未通过检查，请按 errors 修改后重试。"), errors=errors)
        now = clock.now()
        event = operations.add_note(
            case, actor=user, now=now, text=form.text.data, internal_org_id=None
        )
        for upload in uploads:
            assert upload.content_type is not None  # read_uploads refused unknown types
            operations.add_attachment(
                case,
                actor=user,
                now=now,
                filename=upload.filename,
                content_type=upload.content_type,
                data=upload.data,
                sha256=upload.sha256,
                event=event,
            )
        db.session.flush()
        step_taken.send(case, action="note", now=now)
        return _json(present.case_value(case))

    return _with_key(_upload_fingerprint(), run)


# -- Anything else under /api/v1 ------------------------------------------------------


def _api_map() -> Map:
    """The API's own rules, to tell an unknown path (404) from a known path asked with
    another method (405)."""
    cached = current_app.extensions.get("api_rules")
    if cached is None:
        rules = [
            Rule(rule.rule, endpoint=rule.endpoint, methods=rule.methods)
            for rule in current_app.url_map.iter_rules()
            if rule.endpoint.startswith("api.") and rule.endpoint != "api.not_found"
        ]
        cached = Map(rules, converters=current_app.url_map.converters)
        current_app.extensions["api_rules"] = cached
    return cached


def not_found(rest: str = ""):
    """Every other path and method under /api/v1: a problem, not the portal's page."""
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    adapter = _api_map().bind("localhost")
    try:
        adapter.match(request.path, method=request.method)
    except MethodNotAllowed as error:
        raise error from None
    except NotFound:
        pass
    raise NotFound()
