"""The API's operations, each declared once beside its view: method, OpenAPI path,
summary, parameters, request and responses. The URL map (``add_rules``) and the OpenAPI
document (``openapi.document``) are both built from this registry, so neither can name
a route the other lacks.

The request bodies of the lifecycle's steps are derived from the web's own forms
(``form_schema``): a field's length, choices and required-ness come from the same
WTForms declaration the web validates with, so the two cannot drift apart."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

try:  # Flask-WTF's file fields are not sent as JSON
    from flask_wtf.file import FileField, MultipleFileField

    FILE_FIELDS: tuple[type, ...] = (FileField, MultipleFileField)
except ImportError:  # pragma: no cover
    FILE_FIELDS = ()

PROBLEM = "application/problem+json"


@dataclass
class Operation:
    """One operation of the API (an OpenAPI operation and a Flask URL rule)."""

    method: str  # "GET", "POST"
    path: str  # OpenAPI path, relative to /api/v1: "/cases/{case_id}"
    endpoint: str  # "cases_show" → the Flask endpoint "api.cases_show"
    view: Callable
    summary: str  # English, one line
    description: str = ""
    tag: str = "cases"
    parameters: list[dict] = field(default_factory=list)  # OpenAPI parameter objects
    body: dict | None = None  # JSON Schema of the request body (or of the multipart form)
    multipart: bool = False  # the body is multipart/form-data (uploads)
    responses: dict[int, dict | None] = field(default_factory=dict)  # status → JSON Schema
    write: bool = False  # a write: takes an Idempotency-Key, answers 409/422
    public: bool = False  # no token needed (the OpenAPI document itself)

    @property
    def operation_id(self) -> str:
        return self.endpoint

    @property
    def flask_rule(self) -> str:
        """The Flask rule of ``path``: an integer parameter becomes ``<int:name>``."""
        types = {
            p["name"]: p.get("schema", {}).get("type")
            for p in self.parameters
            if p.get("in") == "path"
        }

        def rule(match: re.Match) -> str:
            name = match.group(1)
            return f"<int:{name}>" if types.get(name) == "integer" else f"<{name}>"

        return re.sub(r"\{(\w+)\}", rule, self.path)


OPERATIONS: list[Operation] = []
# components/schemas of the document: name → JSON Schema (2020-12)
SCHEMAS: dict[str, dict] = {}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def schema(name: str, definition: dict) -> dict:
    """Register a named schema for the document's components; returns a reference."""
    SCHEMAS[name] = definition
    return ref(name)


def operation(
    method: str,
    path: str,
    *,
    summary: str,
    description: str = "",
    tag: str = "cases",
    parameters: list[dict] | None = None,
    body: dict | None = None,
    multipart: bool = False,
    responses: dict[int, dict | None],
    write: bool = False,
    public: bool = False,
    endpoint: str | None = None,
):
    """Declare the decorated view as an operation of the API."""

    def decorate(view: Callable) -> Callable:
        OPERATIONS.append(
            Operation(
                method=method.upper(),
                path=path,
                endpoint=endpoint or view.__name__,
                view=view,
                summary=summary,
                description=description,
                tag=tag,
                parameters=list(parameters or []),
                body=body,
                multipart=multipart,
                responses=responses,
                write=write,
                public=public,
            )
        )
        return view

    return decorate


def add_rules(bp) -> None:
    """Every declared operation as a URL rule of ``bp`` (several methods on one path
    are separate rules with their own endpoints)."""
    for op in OPERATIONS:
        bp.add_url_rule(op.flask_rule, endpoint=op.endpoint, view_func=op.view, methods=[op.method])


def find(endpoint: str) -> Operation | None:
    return next((op for op in OPERATIONS if op.endpoint == endpoint), None)


def path_parameter(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    }


# -- The web's forms as JSON Schema ---------------------------------------------------

# What a form field becomes in JSON (the API's own fields; the web's hidden fields
# ``version`` and ``seen_event`` are replaced by the API's ``version``).
LEFT_OUT = frozenset({"version", "seen_event", "csrf_token"})


def _unbound_fields(form_class) -> list[tuple[str, UnboundField]]:
    found = []
    for name in dir(form_class):
        if name.startswith("_"):
            continue
        value = getattr(form_class, name, None)
        if isinstance(value, UnboundField):
            found.append((name, value))
    return sorted(found, key=lambda item: item[1].creation_counter)


def _text(value) -> str:
    return str(value) if value is not None else ""


def field_schema(unbound: UnboundField) -> tuple[dict, bool]:
    """The JSON Schema of one form field, and whether it is required."""
    cls = unbound.field_class
    validators = unbound.kwargs.get("validators") or (
        unbound.args[1] if len(unbound.args) > 1 else []
    )
    label = unbound.kwargs.get("label") or (unbound.args[0] if unbound.args else None)
    required = any(isinstance(v, DataRequired | InputRequired) for v in validators)
    out: dict[str, Any]
    if issubclass(cls, BooleanField):
        out = {"type": "boolean"}
        required = False
    elif issubclass(cls, DateTimeLocalField):
        out = {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339, with its offset (Beijing time when none is given)",
        }
    elif issubclass(cls, DateField):
        out = {"type": "string", "format": "date"}
    elif issubclass(cls, SelectField):
        coerce = unbound.kwargs.get("coerce", str)
        choices = unbound.kwargs.get("choices")
        if coerce is int:
            out = {"type": "integer"}
        elif choices and not callable(choices):
            values = [c.value if hasattr(c, "value") else c[0] for c in choices]
            values = [v for v in values if v not in ("", None)]
            out = {"type": "string", "enum": values}
        else:
            out = {"type": "string"}
    elif issubclass(cls, IntegerField):
        out = {"type": "integer"}
    elif issubclass(cls, DecimalField | FloatField):
        out = {"type": "number"}
    elif issubclass(cls, StringField):
        out = {"type": "string"}
    else:
        out = {}
    for v in validators:
        if isinstance(v, Length):
            if v.max is not None and v.max >= 0:
                out["maxLength"] = v.max
            if v.min is not None and v.min > 0:
                out["minLength"] = v.min
        elif isinstance(v, Regexp):
            out["pattern"] = v.regex.pattern
        elif isinstance(v, NumberRange):
            if v.min is not None:
                out["minimum"] = v.min
            if v.max is not None:
                out["maximum"] = v.max
    if required and out.get("type") == "string" and "minLength" not in out:
        out["minLength"] = 1
    if label is not None and "description" not in out:
        out["title"] = _text(label)
    return out, required


def form_schema(
    form_class,
    *,
    extra: dict[str, dict] | None = None,
    required_extra: tuple[str, ...] = (),
    leave_out: frozenset[str] = frozenset(),
    description: str = "",
) -> dict:
    """The JSON Schema of a web form's fields (files left out: they come multipart),
    with the API's ``extra`` properties."""
    properties: dict[str, dict] = {}
    required: list[str] = []
    for name, unbound in _unbound_fields(form_class):
        if name in LEFT_OUT or name in leave_out or issubclass(unbound.field_class, FILE_FIELDS):
            continue
        if issubclass(unbound.field_class, HiddenField):
            continue
        properties[name], is_required = field_schema(unbound)
        if is_required:
            required.append(name)
    for name, definition in (extra or {}).items():
        properties[name] = definition
    out: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": [*required_extra, *required],
        "additionalProperties": False,
    }
    if description:
        out["description"] = description
    return out


def file_fields(form_class) -> list[str]:
    """The names of a form's file fields (sent as multipart parts)."""
    return [
        name
        for name, unbound in _unbound_fields(form_class)
        if issubclass(unbound.field_class, FILE_FIELDS)
    ]
