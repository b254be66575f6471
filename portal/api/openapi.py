"""The OpenAPI 3.1 document of API v1, built from the operations' registry
(``spec.OPERATIONS``): served at /api/v1/openapi.json, read at /api/v1/docs.

OpenAPI 3.1 schemas are JSON Schema 2020-12: a client (or the contract test) validates
bodies against them with any JSON Schema library as they are."""

from copy import deepcopy

from portal.api import spec, webhooks
from portal.api.spec import PROBLEM, ref

TITLE = "Complaint portal API v1 (member banks' systems)"
VERSION = "1.0.0"

DESCRIPTION = """\
For a member bank's own complaint system (行内投诉管理系统): list the cases forwarded to
the bank, read one with its clocks and history, and take the lifecycle's steps (accept,
pass down, contact, progress, final reply, verification, rectification, report) through
the same rules, deadlines, notices and history as the portal's own pages.

**Authentication.** `Authorization: Bearer <token>`. A token is created by the member's
administrator for one system and acts as one of the member's users: it sees and does
exactly what that user sees and does. A case outside its scope answers 404.

**Versions.** Every case carries `version`; each step sends the version it was decided
on. A stale version answers 409 with the history entries since (`changes`).

**Idempotency.** Send an `Idempotency-Key` header (up to 200 characters) with each POST:
the same key with the same body answers again what the first request answered (with
`Idempotency-Replayed: true`), without a second step; the same key with another body
answers 422. Keys are kept 24 hours. A refused request (4xx) keeps no key.

**Errors** are `application/problem+json` (RFC 9457); a 422 lists `errors` by field, in
the language of `Accept-Language` (zh-CN by default, en).

**Rate limit.** Per token; `RateLimit-Limit` and `RateLimit-Remaining` on each answer,
429 with `Retry-After` beyond it.

**Times** are RFC 3339 in UTC; dates (`due`, `promised_on`) are Beijing calendar days.
"""

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string", "description": "a URI naming the kind of problem"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "on 422: the messages of each field (the form's own on the web)",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "changes": {
            "type": "array",
            "description": "on 409: the case's public history entries since the version sent",
            "items": ref("HistoryEntry"),
        },
    },
    "required": ["type", "title", "status"],
}

HEADERS = {
    "RateLimit-Limit": {
        "description": "requests allowed per window for this token",
        "schema": {"type": "integer"},
    },
    "RateLimit-Remaining": {
        "description": "requests left in the current window",
        "schema": {"type": "integer"},
    },
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "schema": {"type": "integer"},
    },
    "Idempotency-Replayed": {
        "description": "`true` when the answer is the one stored for the Idempotency-Key",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "WWW-Authenticate": {
        "description": "`Bearer` (RFC 6750)",
        "schema": {"type": "string"},
    },
}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "a key unique to this write (e.g. a UUID); see the description above",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}

ERRORS = {
    400: "the request is malformed (not JSON, a wrong field type)",
    401: "no token, or a token that is unknown, revoked or whose user is deactivated",
    403: "the step is not the token's user's to take",
    404: "no such case (or outside the token's scope), or no such URL",
    405: "the method is not allowed here",
    409: "the case changed since the version sent (`changes`), or the key is in use",
    413: "the upload is too large",
    415: "the body is not of the media type the operation takes",
    422: "the input is refused (`errors`: messages by field), or the key was used with another body",
    429: "too many requests: wait `Retry-After` seconds",
}


def _problem_response(status: int) -> dict:
    response: dict = {
        "description": ERRORS.get(status, "error"),
        "content": {PROBLEM: {"schema": ref("Problem")}},
    }
    if status == 429:
        response["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}
        }
    return response


def error_statuses(op: spec.Operation) -> list[int]:
    """The errors an operation may answer (besides 500)."""
    statuses = [] if op.public else [401, 429]
    if any(p.get("in") == "path" for p in op.parameters) or not op.public:
        statuses.append(404)
    if op.method == "GET":
        statuses.append(400) if op.parameters else None
    if op.write:
        statuses += [400, 403, 409, 422]
    if op.multipart:
        statuses += [413, 415]
    elif op.write:
        statuses.append(415)
    return sorted(set(statuses))


def _operation(op: spec.Operation) -> dict:
    out: dict = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.description:
        out["description"] = op.description
    parameters = deepcopy(op.parameters)
    if op.write:
        parameters.append(IDEMPOTENCY_KEY)
    if parameters:
        out["parameters"] = parameters
    if op.public:
        out["security"] = []
    if op.body is not None:
        media = "multipart/form-data" if op.multipart else "application/json"
        out["requestBody"] = {"required": True, "content": {media: {"schema": op.body}}}
    responses: dict = {}
    for status, body_schema in op.responses.items():
        response: dict = {"description": "OK" if status < 300 else ERRORS.get(status, "")}
        if body_schema is not None:
            response["content"] = {"application/json": {"schema": body_schema}}
        if not op.public:
            response["headers"] = {
                "RateLimit-Limit": {"$ref": "#/components/headers/RateLimit-Limit"},
                "RateLimit-Remaining": {"$ref": "#/components/headers/RateLimit-Remaining"},
            }
            if op.write:
                response["headers"]["Idempotency-Replayed"] = {
                    "$ref": "#/components/headers/Idempotency-Replayed"
                }
        responses[str(status)] = response
    for status in error_statuses(op):
        responses.setdefault(str(status), _problem_response(status))
    out["responses"] = responses
    return out


def document(server_url: str = "/api/v1") -> dict:
    """The OpenAPI 3.1.0 document of every registered operation."""
    import portal.api.views  # noqa: F401  (the operations register when imported)

    paths: dict[str, dict] = {}
    for op in spec.OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    tags = sorted({op.tag for op in spec.OPERATIONS})
    return {
        "openapi": "3.1.0",
        # OpenAPI 3.1's own dialect (JSON Schema 2020-12 with OpenAPI's vocabulary), the
        # default: naming it is what Swagger UI understands.
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": DESCRIPTION,
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        # What the portal sends to a bank's own system (signed deliveries, api.webhooks).
        "webhooks": webhooks.openapi_webhooks(),
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a token of the member's system (lnp_…)",
                }
            },
            "headers": deepcopy(HEADERS),
            "schemas": {"Problem": PROBLEM_SCHEMA, **deepcopy(spec.SCHEMAS)},
        },
    }
