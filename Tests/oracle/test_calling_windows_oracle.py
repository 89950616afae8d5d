"""Oracle tests for the calling-window core, through the real `callgate` binary:

- holiday calendars for 2026-2040 against PyPI `holidays` (pinned) and dateutil's Easter;
- the states and zones `callgate check window` places numbers in, against libphonenumber's
  geocoding and time-zone data (PyPI phonenumbers, pinned).

    CALLGATE_BIN=.build/debug/callgate python -m pytest Tests/oracle/test_calling_windows_oracle.py
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import subprocess

import holidays
import phonenumbers
import pytest
from dateutil.easter import easter
from phonenumbers import geocoder
from phonenumbers.geodata import GEOCODE_DATA
from phonenumbers.timezone import time_zones_for_number

YEARS = range(2026, 2041)
SEED = 20261207


def calendar_days(callgate_bin: str, name: str) -> set[dt.date]:
    out = subprocess.run([callgate_bin, "rules", "holidays", name, "--from", str(YEARS[0]), "--to", str(YEARS[-1])],
                         check=True, capture_output=True, text=True).stdout
    return {dt.date.fromisoformat(line) for line in out.split()}


def in_years(days) -> set[dt.date]:
    return {day for day in days if day.year in YEARS}


def library(subdiv: str | None = None) -> set[dt.date]:
    """Every date PyPI holidays gives for the US (or a state), observed days included."""
    return in_years(holidays.US(subdiv=subdiv, years=range(YEARS[0] - 1, YEARS[-1] + 2)).keys())


def fixed(month: int, day: int, shift: str = "none") -> set[dt.date]:
    """A fixed date each year with its observance shift, computed here independently."""
    result = set()
    for year in range(YEARS[0] - 1, YEARS[-1] + 2):
        date = dt.date(year, month, day)
        result.add(date)
        weekday = date.weekday()
        if shift == "federal" and weekday == 5:
            result.add(date - dt.timedelta(days=1))
        if shift in ("federal", "sunday-to-monday", "weekend-to-monday") and weekday == 6:
            result.add(date + dt.timedelta(days=1))
        if shift == "weekend-to-monday" and weekday == 5:
            result.add(date + dt.timedelta(days=2))
    return in_years(result)


def from_easter(offset: int) -> set[dt.date]:
    return {easter(year) + dt.timedelta(days=offset) for year in YEARS}


def named(subdiv: str | None, pattern: str) -> set[dt.date]:
    found = holidays.US(subdiv=subdiv, years=YEARS)
    return {day for day, name in found.items() if re.search(pattern, name)}


def test_federal_calendar_is_the_holidays_package_us_list(callgate_bin):
    assert calendar_days(callgate_bin, "US-federal") == library()


def test_utah_is_federal_plus_pioneer_day(callgate_bin):
    assert calendar_days(callgate_bin, "US-UT") == library("UT")


def test_pennsylvania_is_federal_plus_flag_day(callgate_bin):
    assert calendar_days(callgate_bin, "US-PA") == library() | fixed(6, 14)


def test_louisiana_easter_days_and_fixed_dates(callgate_bin):
    thanksgiving = named(None, r"^Thanksgiving")
    expected = (fixed(1, 1) | fixed(1, 8) | fixed(1, 19) | fixed(7, 4) | fixed(12, 25)
                | named(None, r"^Martin Luther King") | from_easter(-47) | from_easter(-2)
                | {day + dt.timedelta(days=1) for day in thanksgiving})
    assert calendar_days(callgate_bin, "US-LA") == expected
    # The package's Louisiana list has Mardi Gras and Good Friday on the same days.
    assert named("LA", r"^Mardi Gras") == from_easter(-47)
    assert named("LA", r"^Good Friday") == from_easter(-2)


def test_alabama_is_the_package_list_plus_mardi_gras_and_rosa_parks_day(callgate_bin):
    assert calendar_days(callgate_bin, "US-AL") == library("AL") | from_easter(-47) | fixed(12, 1, "federal")


def test_rhode_island_is_state_and_federal(callgate_bin):
    election = set()
    for year in YEARS:
        if year % 2 == 0:
            first_monday = min(day for day in (dt.date(year, 11, d) for d in range(1, 8)) if day.weekday() == 0)
            election.add(first_monday + dt.timedelta(days=1))
    expected = (library() | library("RI") | fixed(5, 4, "sunday-to-monday") | election
                | fixed(1, 1, "weekend-to-monday") | fixed(7, 4, "weekend-to-monday")
                | fixed(11, 11, "weekend-to-monday") | fixed(12, 25, "weekend-to-monday"))
    assert calendar_days(callgate_bin, "US-RI") == expected


US_STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
    "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID",
    "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC",
    "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA",
    "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX",
    "Utah": "UT", "Vermont": "VT", "Virginia": "VA", "Washington": "WA", "Washington State": "WA",
    "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY", "Washington D.C.": "DC",
}


def state_of(description: str) -> str | None:
    suffix = re.search(r", ([A-Z]{2})$", description)
    if suffix:
        return suffix.group(1)
    return US_STATES.get(description)


def sample_numbers(count: int) -> list[phonenumbers.PhoneNumber]:
    rng = random.Random(SEED)
    prefixes = sorted(key for key in GEOCODE_DATA if key.startswith("1"))
    numbers = []
    while len(numbers) < count:
        prefix = rng.choice(prefixes)[1:]
        national = prefix + "".join(rng.choice("0123456789") for _ in range(10 - len(prefix)))
        number = phonenumbers.parse("+1" + national)
        if phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) == "US":
            numbers.append(number)
    return numbers


def test_states_and_zones_agree_with_libphonenumber(callgate_bin):
    numbers = sample_numbers(3000)
    lines = "\n".join(str(number.national_number) for number in numbers) + "\n"
    out = subprocess.run([callgate_bin, "check", "window", "--profile", "off", "--at", "2030-01-15T12:00:00Z"],
                         input=lines, check=True, capture_output=True, text=True).stdout.splitlines()
    assert len(out) == len(numbers)
    for number, line in zip(numbers, out):
        answer = json.loads(line)
        states = {location["state"] for location in answer["locations"]}
        zones = {location["timeZone"] for location in answer["locations"]}
        expected_state = state_of(geocoder.description_for_number(number, "en"))
        assert expected_state in states, (number.national_number, states, expected_state)
        area = str(number.national_number)[:3]
        area_states = {state_of(value["en"]) for key, value in GEOCODE_DATA.items() if key.startswith("1" + area) and value.get("en")}
        assert states <= area_states, (number.national_number, states, area_states)
        assert set(time_zones_for_number(number)) <= zones, (number.national_number, zones)
