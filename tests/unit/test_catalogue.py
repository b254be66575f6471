"""English complete: every message of the catalogue has its English text (plural forms
included); a message added without a translation fails here after `pybabel update`."""

from pathlib import Path

from babel.messages.pofile import read_po

PO = Path(__file__).resolve().parents[2] / "portal/translations/en/LC_MESSAGES/messages.po"


def test_every_message_has_its_english():
    catalogue = read_po(PO.open("rb"))
    missing = [
        message.id
        for message in catalogue
        if message.id
        and not (message.string if isinstance(message.id, str) else all(message.string))
    ]
    assert missing == []
    assert not [m.id for m in catalogue if m.id and m.fuzzy]
