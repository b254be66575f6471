"""A notice's messages (``notify.message``): stored once, read in each reader's language;
the Chinese text kept for the record and the e-mail is what the message says untranslated."""

from datetime import date

from portal.notify.message import N_, Msg, Named, data_of, render, render_parts, text_of


def _deadline():
    return Msg(
        N_("下一期限：%(step)s，%(day)s止。"),
        step=Msg(N_("会员单位核实（2个工作日）")),
        day=date(2026, 11, 25),
    )


def test_the_chinese_text_is_the_message_untranslated():
    assert str(_deadline()) == "下一期限：会员单位核实（2个工作日），2026年11月25日止。"
    flags = Msg(N_("%(changes)s。"), changes=[Msg(N_("标记为%(flag)s"), flag="A"), "乙"])
    assert str(flags) == "标记为A；乙。"
    assert text_of(["甲", None, Msg(N_("系统：%(step)s。"), step="转办")]) == "甲\n系统：转办。"


def test_a_stored_message_reads_in_english_for_an_english_reader(app):
    stored = data_of([_deadline(), "原样文字"])
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert render_parts(stored) == (
            "Next deadline: Member bank verification (2 working days), by 25 Nov 2026.\n原样文字"
        )
        named = Msg(N_("类别：%(name)s"), name=Named("收费", "Fees")).data()
        assert render(named) == "Category: Fees"
        assert render(Msg(N_("类别：%(name)s"), name=Named("收费")).data()) == "Category: 收费"
    with app.test_request_context("/"):
        assert render_parts(stored) == str(_deadline()) + "\n原样文字"
        assert render(named) == "类别：收费"


def test_messages_compare_by_what_they_say():
    assert _deadline() == _deadline()
    assert Msg(N_("系统：%(step)s。"), step="a") != Msg(N_("系统：%(step)s。"), step="b")
