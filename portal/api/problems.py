"""Errors of the API as problem details (RFC 9457, ``application/problem+json``), for
every error under /api/v1: the API's own refusals, an ``abort`` anywhere below (a case
outside the token's scope: 404), an unknown URL or method, a body too large, a crash.
The portal's HTML error pages (``portal.web.errors``) stay as they are elsewhere."""

from flask import Response, current_app, json, request
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from portal.db import db

PROBLEM = "application/problem+json"
TYPE_BASE = "https://portal.lnba.org.cn/api/v1/problems/"


def _titles() -> dict[int, str]:
    return {
        400: _("请求有误"),
        401: _("未认证"),
        403: _("无权操作"),
        404: _("未找到"),
        405: _("不支持的操作"),
        409: _("内容已被他人修改"),
        413: _("文件过大"),
        415: _("不支持的内容类型"),
        422: _("输入内容有误"),
        429: _("操作过于频繁"),
        500: _("服务器内部错误"),
    }


# The ``type`` of each kind of problem (a stable name a client may switch on).
KINDS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid",
    429: "rate-limited",
    500: "server-error",
}


def problem(
    status: int,
    detail: str | None = None,
    *,
    kind: str | None = None,
    title: str | None = None,
    headers: dict | None = None,
    **extra,
) -> Response:
    """A problem+json answer."""
    body: dict = {
        "type": TYPE_BASE + (kind or KINDS.get(status, "error")),
        "title": title or _titles().get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def http_problem(error: HTTPException) -> Response:
    status = error.code or 500
    details = {
        404: _("没有这个资源，或不在本令牌的查看范围内。"),
        403: _("本令牌代表的用户无权进行此操作。"),
        405: _("此地址不支持该请求方法。"),
        413: _("请求内容超过上限。"),
    }
    headers = {}
    allowed = getattr(error, "valid_methods", None)
    if status == 405 and allowed:
        headers["Allow"] = ", ".join(allowed)
    return problem(status, details.get(status) or error.description, headers=headers)


def _routing_problem(error: HTTPException):
    """A URL under the API's prefix that routes nowhere (``/cases/0``: no id is 0) is a
    problem too; any other path gets the portal's own page, as before."""
    prefix = current_app.config.get("API_PREFIX", "/api/v1")
    if request.path == prefix or request.path.startswith(prefix + "/"):
        return http_problem(error)
    page = current_app.error_handler_spec[None][None].get(HTTPException)
    return page(error) if page is not None else error


def register(bp) -> None:
    """Errors raised inside the blueprint's views answer as problems."""

    @bp.record_once
    def _routing_errors(state):
        # Routing fails before any blueprint is known, so only the app's handlers see it:
        # by status code, which Flask asks before the portal's handler of every
        # HTTPException (portal.web.errors), to which other paths are passed on.
        for code in (404, 405):
            state.app.register_error_handler(code, _routing_problem)

    @bp.errorhandler(HTTPException)
    def _http(error):
        return http_problem(error)

    @bp.errorhandler(StaleDataError)
    def _stale(error):
        # Optimistic locking lost a race inside the request: nothing of the step stays.
        db.session.rollback()
        return problem(409, _("在您操作的同时，他人已保存了同一条记录。请重新读取后再操作。"))

    @bp.errorhandler(Exception)
    def _crash(error):
        if current_app.testing or current_app.debug:
            raise error  # tests see the real exception: a 500 must fail loudly there
        current_app.logger.exception("API error on %s %s", request.method, request.path)
        db.session.rollback()
        return problem(500, _("请稍后重试；问题持续时请联系协会。"))
