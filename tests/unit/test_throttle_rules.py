"""The pure throttling rules (issue 21.7): which levels an attempt waits at, their keys
and their doubling delays (``portal.auth.rules``)."""

from datetime import timedelta

import pytest

from portal.auth.rules import attempt_levels, throttle_delay, throttle_key, throttle_levels

LEVELS = {level.prefix: level for level in throttle_levels(5, timedelta(minutes=15))}


def prefixes(known_device: bool) -> list[str]:
    return [
        level.prefix for level in attempt_levels(tuple(LEVELS.values()), known_device=known_device)
    ]


def test_a_known_device_waits_per_device_instead_of_per_name():
    assert prefixes(known_device=False) == ["pair", "address", "name"]
    assert prefixes(known_device=True) == ["pair", "address", "device"]


@pytest.mark.parametrize(
    "prefix, failures, seconds",
    [
        ("name", 9, 0),
        ("name", 10, 5),
        ("name", 11, 10),
        ("name", 13, 40),
        ("name", 14, 60),  # a minute at most: the handler is never kept out long (Art. 7)
        ("name", 500, 60),
        ("address", 19, 0),
        ("address", 20, 30),
        ("address", 25, 900),
        ("pair", 5, 30),
        ("pair", 6, 60),
        ("device", 4, 0),
        ("device", 5, 30),
        ("device", 10, 900),
    ],
)
def test_delays_double_up_to_their_cap(prefix, failures, seconds):
    assert throttle_delay(LEVELS[prefix], failures) == timedelta(seconds=seconds)


def test_keys():
    key = {p: throttle_key(level, " Bank1-A ", "10.0.0.1", "dev1") for p, level in LEVELS.items()}
    assert key == {
        "pair": "pair:bank1-a|10.0.0.1",
        "address": "address:10.0.0.1",
        "name": "name:bank1-a",
        "device": "device:dev1",
    }
