"""Errors answer with a page in the user's language (or a piece for htmx), never a trace."""

from flask import render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from portal.db import db
from portal.web.htmx import wants_piece


def _render(status: int, title: str, message: str):
    piece = wants_piece()
    template = "errors/_error.html" if piece else "errors/error.html"
    html = render_template(template, as_piece=piece, status=status, title=title, message=message)
    return html, status


def conflict_response():
    """409 for a save that lost a race with another user's save of the same record."""
    from flask import make_response
    from flask_babel import gettext as _

    body, status = _render(
        409,
        _("内容已被他人修改"),
        _("在您操作的同时，他人已保存了同一条记录。您的操作未生效，请刷新后查看最新内容再操作。"),
    )
    return make_response(body, status)


def refused_input(message: str):
    """422 for input no field may hold (``portal.web.bounds``), nothing done."""
    from flask import make_response
    from flask_babel import gettext as _

    body, status = _render(422, _("输入内容有误"), message)
    return make_response(body, status)


def register(app):
    from flask_babel import gettext as _

    @app.errorhandler(StaleDataError)
    def stale(error):
        # Optimistic locking lost a race inside the request (a flush, not the commit).
        db.session.rollback()
        return conflict_response()

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(
            400, _("请求已失效"), _("页面停留时间过长或表单来源不明，请刷新页面后重试。")
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        titles = {
            400: _("请求有误"),
            403: _("无权操作"),
            404: _("未找到"),
            405: _("不支持的操作"),
            409: _("内容已被他人修改"),
            413: _("文件过大"),
            429: _("操作过于频繁"),
        }
        messages = {
            403: _("您的角色无权进行此操作。"),
            404: _("您要找的页面不存在，或不在您的查看范围内。"),
        }
        return _render(
            error.code or 500,
            titles.get(error.code, error.name),
            messages.get(error.code, error.description or ""),
        )

    if app.testing:
        return  # tests see the real exception: a 500 must fail loudly there

    @app.errorhandler(Exception)
    def unexpected(error):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return _render(500, _("系统错误"), _("处理请求时出错，已记录。请稍后重试。"))
