"""Oracle test: `callgate check time` must agree with Python's zoneinfo (pinned tzdata) on a seeded
random corpus of local times near offset transitions and anywhere in 1970-2100, absolute forms and
refusals.

Run in the venv that has the pinned tzdata (scripts/requirements.txt):
    CALLGATE_BIN=.build/debug/callgate python -m pytest Tests/oracle/test_time_oracle.py
The module points zoneinfo at the tzdata package only (as PYTHONTZPATH= would), so the system's
/usr/share/zoneinfo never decides the expected answers.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import os
import random
import subprocess
import zoneinfo

import pytest
import tzdata

zoneinfo.reset_tzpath(to=[])

UTC = dt.timezone.utc
MIN_MS = 0
MAX_MS = 4_133_980_800_000 - 1  # 2100-12-31T23:59:59.999Z
RULES_FROM = dt.datetime(2027, 1, 1, tzinfo=UTC)  # current rules: the year after tzdata 2026f
RULES_TO = dt.datetime(2101, 1, 1, tzinfo=UTC)
SEED = 20261129

CODES = {"ET": "America/New_York", "CT": "America/Chicago", "MT": "America/Denver",
         "PT": "America/Los_Angeles", "AT": "America/Anchorage", "HI": "Pacific/Honolulu"}
ABBREVIATIONS = {"EST": "ET", "EDT": "ET", "CST": "CT", "CDT": "CT", "MST": "MT", "MDT": "MT",
                 "PST": "PT", "PDT": "PT", "AKST": "AT", "AKDT": "AT", "HST": "HI"}
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
         "America/Anchorage", "Pacific/Honolulu", "America/Phoenix", "America/Puerto_Rico",
         "America/Regina", "Pacific/Pago_Pago", "America/Toronto", "America/Indiana/Indianapolis",
         "America/Indiana/Knox", "America/Kentucky/Louisville", "America/Detroit", "America/Boise",
         "America/Juneau", "America/Adak", "America/Halifax", "America/Havana", "America/Mexico_City",
         "America/Tijuana", "America/Winnipeg", "America/Vancouver", "America/Edmonton",
         "America/Metlakatla", "US/Eastern", "US/Pacific", "Canada/Central", "Etc/GMT+6",
         "america/chicago", "Europe/London", "Pacific/Guam", "America/St_Johns", "Etc/UTC"]


@pytest.fixture(scope="module")
def callgate(request) -> str:
    try:
        path = request.getfixturevalue("callgate_bin")
    except pytest.FixtureLookupError:
        path = os.environ.get("CALLGATE_BIN", ".build/debug/callgate")
    if not os.path.exists(str(path)):
        pytest.fail(f"callgate binary not found at {path}; build it or set CALLGATE_BIN")
    return str(path)


GENERATED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Sources", "CallGateCore",
                         "Time", "TimeZoneTables.generated.swift")


def test_tables_come_from_the_installed_tzdata() -> None:
    with open(GENERATED, encoding="utf-8") as source:
        header = source.read(2000)
    assert f'ianaVersion = "{tzdata.IANA_VERSION}"' in header, (
        "the generated tables and the installed tzdata differ; run scripts/gen_timezone_tables.py")


# ---- independent model of the rules, from zoneinfo ------------------------------------------------

def offset(zone: zoneinfo.ZoneInfo, t: int) -> int:
    return int(dt.datetime.fromtimestamp(t, zone).utcoffset().total_seconds())


def changes(zone: zoneinfo.ZoneInfo, start: int, end: int) -> list[tuple[int, int]]:
    """(instant, new offset) for every offset change in [start, end), by 6-hour sampling and bisection."""
    out, prev_t, prev = [], start, offset(zone, start)
    for t in range(start + 21600, end, 21600):
        cur = offset(zone, t)
        if cur != prev:
            lo, hi = prev_t, t
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset(zone, mid) == prev else (lo, mid)
            out.append((hi, cur))
        prev_t, prev = t, cur
    return out


_era_cache: dict[str, tuple[int, list]] = {}


def era(name: str) -> tuple[int, list]:
    if name not in _era_cache:
        zone = zoneinfo.ZoneInfo(name)
        start, end = int(RULES_FROM.timestamp()), int(RULES_TO.timestamp())
        _era_cache[name] = (offset(zone, start), changes(zone, start, end))
    return _era_cache[name]


def standard_offset(name: str) -> int:
    local = dt.datetime(2027, 1, 15, 12, tzinfo=UTC).astimezone(zoneinfo.ZoneInfo(name))
    return int((local.utcoffset() - local.dst()).total_seconds())


@functools.cache
def canonical_names() -> dict[str, str]:
    return {z.lower(): z for z in zoneinfo.available_timezones()}


@functools.cache
def expected_zone(name: str) -> tuple[str, str, list[str]] | str:
    """(LiveVox code, IANA name, warning codes), or an error code."""
    text = name.strip()
    if not text:
        return "empty"
    upper = text.upper()
    if upper in CODES:
        return upper, CODES[upper], []
    if upper in ABBREVIATIONS:
        return ABBREVIATIONS[upper], CODES[ABBREVIATIONS[upper]], []
    canonical = canonical_names().get(text.lower())
    if canonical is None:
        return "unknown_timezone"
    for code, iana in CODES.items():
        if era(canonical) == era(iana):
            return code, canonical, []
    std = standard_offset(canonical)
    observes = bool(era(canonical)[1])
    ranked = sorted(CODES, key=lambda c: (abs(std - standard_offset(CODES[c])),
                                          0 if bool(era(CODES[c])[1]) == observes else 1,
                                          list(CODES).index(c)))
    best = ranked[0]
    if abs(std - standard_offset(CODES[best])) > 3600:
        return "unsupported_timezone"
    return best, canonical, ["timezone_approximated"]


def local_expectation(naive: dt.datetime, iana: str) -> tuple[int, list[str]] | str:
    zone = zoneinfo.ZoneInfo(iana)
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    seconds = math.floor(first.replace(microsecond=0).timestamp())
    millis = seconds * 1000 + naive.microsecond // 1000
    back = dt.datetime.fromtimestamp(seconds, zone).replace(tzinfo=None)
    if back != naive.replace(microsecond=0):
        return "nonexistent_local_time"
    if not MIN_MS <= millis <= MAX_MS:
        return "out_of_range"
    return millis, (["ambiguous_local_time"] if first.utcoffset() != second.utcoffset() else [])


def expectation(case: dict) -> dict:
    """What `check time` must say about one input, computed from zoneinfo only."""
    at, tz = case["at"], case.get("timeZone")
    zone = expected_zone(tz) if tz is not None else None
    local = case.get("_local")  # naive datetime when `at` is a local ISO text
    if isinstance(at, str) and not at.strip():
        return {"error": "empty"}
    if "_error" in case:
        return {"error": case["_error"]}
    if local is None:
        millis = case["_millis"]
        if not MIN_MS <= millis <= MAX_MS:
            return {"error": "out_of_range"}
        if isinstance(zone, str):
            return {"error": zone}
        return {"epochMillis": millis, "zone": zone, "warnings": zone[2] if zone else []}
    if zone is None:
        return {"error": "missing_timezone"}
    if isinstance(zone, str):
        return {"error": zone}
    result = local_expectation(local, zone[1])
    if isinstance(result, str):
        return {"error": result}
    return {"epochMillis": result[0], "zone": zone, "warnings": zone[2] + result[1]}


# ---- the corpus ----------------------------------------------------------------------------------

def iso_local(naive: dt.datetime, rng: random.Random) -> str:
    sep = rng.choice("T T t ".split(" ") + [" "]) or "T"
    text = naive.strftime(f"%Y-%m-%d{sep}%H:%M")
    if naive.second or naive.microsecond or rng.random() < 0.5:
        text += naive.strftime(":%S")
        if naive.microsecond:
            text += "." + f"{naive.microsecond:06d}"[: rng.choice([3, 6])]
    return text


def transitions_in_year(name: str, year: int) -> list[tuple[int, int, int]]:
    zone = zoneinfo.ZoneInfo(name)
    start = int(dt.datetime(year, 1, 1, tzinfo=UTC).timestamp())
    end = int(dt.datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())
    out, before = [], offset(zone, start)
    for t, after in changes(zone, start, end):
        out.append((t, before, after))
        before = after
    return out


def corpus() -> list[dict]:
    rng = random.Random(SEED)
    cases: list[dict] = []
    names = ZONES + list(CODES) + [a.lower() for a in ABBREVIATIONS]
    resolvable = [z for z in names if not isinstance(expected_zone(z), str)]
    # Local times at, inside and around offset changes, in random years.
    for name in resolvable:
        iana = expected_zone(name)[1]
        for year in rng.sample(range(1970, 2101), 6) + [2007, 2026]:
            for t, before, after in transitions_in_year(iana, year):
                for delta in (-3601, -1800, -1, 0, 1, 1799, 3600, 5400):
                    for off in {before, after}:
                        wall = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=t + off + delta)
                        wall = wall.replace(microsecond=rng.choice([0, 0, 123000, 999999]))
                        if 1970 <= wall.year <= 2100:
                            cases.append({"at": iso_local(wall, rng), "timeZone": name, "_local": wall})
    # Local times anywhere, 1970-2100.
    for _ in range(1500):
        wall = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=rng.randrange(0, 4_133_980_800), microseconds=rng.choice([0, 250000, 7000]))
        cases.append({"at": iso_local(wall, rng), "timeZone": rng.choice(names), "_local": wall})
    # Absolute forms, with and without a zone, inside and just outside the range.
    for _ in range(1500):
        millis = rng.choice([rng.randrange(MIN_MS, MAX_MS + 1), rng.randrange(MIN_MS, MAX_MS + 1),
                             rng.randrange(-86_400_000, 86_400_000), rng.randrange(MAX_MS - 86_400_000, MAX_MS + 86_400_000)])
        tz = rng.choice([None, None, rng.choice(names)])
        form = rng.randrange(4)
        if form == 0:
            at = millis
        elif form == 1:
            at = str(millis)
        else:
            off_min = rng.choice([0, -300, -240, 330, -210, 845, -600])
            instant = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=millis) + dt.timedelta(minutes=off_min)
            if not 1 <= instant.year <= 9999:
                continue
            base = instant.strftime("%Y-%m-%dT%H:%M:%S") + f".{instant.microsecond // 1000:03d}"
            sign = "-" if off_min < 0 else "+"
            h, m = divmod(abs(off_min), 60)
            suffix = rng.choice(["Z" if off_min == 0 else f"{sign}{h:02d}:{m:02d}", f"{sign}{h:02d}{m:02d}"])
            at = base + suffix
        case = {"at": at, "_millis": millis}
        if tz is not None:
            case["timeZone"] = tz
        cases.append(case)
    # Refusals decided by the text alone.
    for text, code in [("2026-13-01T10:00", "invalid_datetime"), ("2026-04-31T10:00", "invalid_datetime"),
                       ("2025-02-29T10:00", "invalid_datetime"), ("2026-03-08T24:00", "invalid_datetime"),
                       ("2026-03-08", "invalid_datetime"), ("next tuesday", "invalid_datetime"),
                       ("1969-12-31T23:59:59Z", "out_of_range"), ("2101-01-01T00:00:00Z", "out_of_range")]:
        cases.append({"at": text, "timeZone": "ET", "_error": code})
    for wall in (dt.datetime(2100, 12, 31, 18, 59, 59, 999000), dt.datetime(2100, 12, 31, 19), dt.datetime(1970, 1, 1)):
        for name in ("ET", "HI", "America/Phoenix"):
            cases.append({"at": iso_local(wall, rng), "timeZone": name, "_local": wall})
    cases.append({"at": "", "timeZone": "ET"})
    cases.append({"at": "2026-03-08T09:30", "timeZone": "Mars/Olympus", "_local": dt.datetime(2026, 3, 8, 9, 30)})
    return cases


def test_check_time_agrees_with_zoneinfo(callgate: str) -> None:
    cases = corpus()
    lines = [json.dumps({k: v for k, v in case.items() if not k.startswith("_")}) for case in cases]
    run = subprocess.run([callgate, "check", "time"], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, timeout=300)
    assert run.returncode >= 0, f"check time crashed: {run.stderr[-2000:]}"
    outputs = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    assert len(outputs) == len(cases), run.stderr[-2000:]
    mismatches = []
    for line, case, out in zip(lines, cases, outputs):
        want = expectation(case)
        got = {"input": out.get("input"), "valid": out.get("valid")}
        if out.get("valid"):
            got |= {"epochMillis": out.get("epochMillis"), "utc": out.get("utc"),
                    "liveVox": out.get("liveVoxTimeZone"), "iana": out.get("ianaTimeZone"),
                    "warnings": [w["code"] for w in out.get("warnings", [])]}
        else:
            got["error"] = (out.get("error") or {}).get("code")
        if "error" in want:
            expected = {"input": line, "valid": False, "error": want["error"]}
        else:
            millis, zone = want["epochMillis"], want["zone"]
            utc = (dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=millis)).strftime("%Y-%m-%dT%H:%M:%S") + f".{millis % 1000:03d}Z"
            expected = {"input": line, "valid": True, "epochMillis": millis, "utc": utc,
                        "liveVox": zone[0] if zone else None, "iana": zone[1] if zone else None,
                        "warnings": want["warnings"]}
        if got != expected:
            mismatches.append((line, expected, got))
    assert not mismatches, f"{len(mismatches)} of {len(cases)} disagree; first: " + "\n".join(map(str, mismatches[:10]))
    # The corpus must actually exercise the interesting cases.
    wants = [expectation(case) for case in cases]
    assert sum(w.get("error") == "nonexistent_local_time" for w in wants) > 50
    assert sum("ambiguous_local_time" in w.get("warnings", []) for w in wants) > 50
    assert sum(w.get("error") == "out_of_range" for w in wants) > 50


@pytest.mark.parametrize("line, code, detail", [
    ('{"at": "2026-03-08T02:30", "timeZone": "America/New_York"}', "nonexistent_local_time",
     "2026-03-08T02:30 does not exist in America/New_York: clocks jump from 02:00 to 03:00."),
    ('{"at": "2026-04-31T10:00", "timeZone": "ET"}', "invalid_datetime",
     "'2026-04-31T10:00' is not a valid date-time: day 31 does not exist in April 2026."),
])
def test_check_time_explains_refusals(callgate: str, line: str, code: str, detail: str) -> None:
    run = subprocess.run([callgate, "check", "time"], input=line + "\n", capture_output=True, text=True, timeout=60)
    out = json.loads(run.stdout.splitlines()[0])
    assert out["valid"] is False
    assert out["error"] == {"code": code, "detail": detail}
