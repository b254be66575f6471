"""Personal data at rest (PIPL; JR/T 0171-2020 classes ID and phone numbers as
sensitive): encrypted with a key from the environment, plus a keyed hash so that an
exact mobile or ID number can still be searched for. The keys and the cipher are
``portal.web.at_rest``, shared with the users' second factor."""

from portal.web.at_rest import decrypt, encrypt, keyed_hash

__all__ = ["decrypt", "encrypt", "search_hash"]


def search_hash(value: str | None) -> str | None:
    """Keyed hash of a normalised value: equality search without storing the value."""
    if not value:
        return None
    normalised = value.strip().upper().replace(" ", "")
    return keyed_hash(normalised, b"search")
