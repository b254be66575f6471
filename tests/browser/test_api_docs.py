"""/api/v1/docs in Debian's chromium (issue 24): Swagger UI, vendored, renders the API's
OpenAPI document under the portal's own Content-Security-Policy (script-src 'self', no
inline style) with nothing in the console; no sign-in needed. And 系统对接 as a member's
administrator sees it: a token made and shown once."""

import pytest
from playwright.sync_api import expect

from .test_shell import sign_in

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def test_the_docs_render_the_document_with_no_csp_violation(
    page_factory, artifacts_dir, console_problems
):
    page = page_factory("landscape")
    page.set_viewport_size(DESKTOP)
    page.goto("/api/v1/docs")
    expect(page).to_have_title("接口文档（API v1） · 辽宁省银行业协会")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("API v1")
    # Every operation of the document is listed (one block per operation).
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() >= 5
    expect(page.locator(".swagger-ui .btn.authorize")).to_be_visible()
    page.screenshot(path=artifacts_dir / "api-docs-desktop.png", full_page=False)
    page.locator(".opblock").first.click()  # an operation opens, with its responses
    expect(page.locator(".opblock-body").first).to_be_visible()
    page.screenshot(path=artifacts_dir / "api-docs-operation.png", full_page=False)
    page.set_viewport_size(PHONE)  # a developer's phone: readable, nothing cut off
    page.screenshot(path=artifacts_dir / "api-docs-phone.png", full_page=False)
    assert console_problems == []


def test_the_administrator_makes_a_token_on_the_settings_page(
    page_factory, artifacts_dir, console_problems
):
    page = page_factory("landscape")
    page.set_viewport_size(DESKTOP)
    sign_in(page, "bank1-admin")
    page.locator("nav.mainnav").get_by_role("link", name="系统对接").click()
    expect(page.locator("h1")).to_have_text("系统对接")
    page.get_by_label("系统名称").fill("行内投诉管理系统")
    page.get_by_label("以哪位用户的身份操作").select_option(
        label="bank1-a（bank1-a，会员单位承办人，第1银行辽宁省分行）"
    )
    page.get_by_role("button", name="创建令牌").click()
    expect(page.get_by_test_id("new-token")).to_contain_text("lnp_")
    page.screenshot(path=artifacts_dir / "api-token-created.png", full_page=True)
    page.get_by_role("link", name="我已保存，返回").click()
    page.get_by_label("接收地址（URL）").fill("https://bank1.example.cn/hooks/portal")
    page.get_by_role("button", name="添加").click()
    expect(page.get_by_test_id("webhook-secret")).to_contain_text("whsec_")
    page.get_by_role("link", name="我已保存，返回").click()
    expect(page.get_by_test_id("api-tokens")).to_contain_text("行内投诉管理系统")
    page.screenshot(path=artifacts_dir / "api-settings-desktop.png", full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())  # the one confirmation
    page.get_by_role("button", name="吊销").click()
    expect(page.get_by_test_id("api-tokens")).to_contain_text("已吊销")
    page.set_viewport_size(PHONE)
    page.screenshot(path=artifacts_dir / "api-settings-phone.png", full_page=True)
    assert console_problems == []
