#!/usr/bin/env python3
"""Generate Sources/CallGateCore/Time/TimeZoneTables.generated.swift from the IANA time zone database.

Source: Python's zoneinfo backed by the PyPI `tzdata` package pinned in scripts/requirements.txt.
Run with PYTHONTZPATH set to empty so zoneinfo ignores the system database:

    PYTHONTZPATH= python scripts/gen_timezone_tables.py

What it writes (as compact text, decoded once at run time by TimeZoneTables.swift):
- every zone name zoneinfo knows, with its standard UTC offset under the current rules and the index
  of its offset history;
- when the current rules start: January 1 of the year after the tzdata release (2026f -> 2027), so
  that changes the release enacts during its own year (e.g. Canadian provinces staying on permanent
  time from 2026-11-01) count as settled; the standard offset is sampled on January 15 of that year;
- each distinct offset history: the UTC offset at 1970-01-01T00:00Z and every change of the UTC
  offset from then until 2101-01-02, exact to the second. Changes are found by sampling utcoffset
  every 6 hours and bisecting each change to the second; zones whose names are links share one
  history.

Only UTC offsets are kept: abbreviations and the DST flag are not needed to turn local times into
instants, and the standard offset is recorded separately for the "nearest LiveVox code" rule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.resources
import os
import sys
import zoneinfo

START = 0  # 1970-01-01T00:00:00Z
END = int(dt.datetime(2101, 1, 2, tzinfo=dt.timezone.utc).timestamp())
STEP = 6 * 3600
OUTPUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "Sources", "CallGateCore", "Time", "TimeZoneTables.generated.swift",
)
DIGITS = "0123456789abcdefghijklmnopqrstuv"  # base 32 for time deltas
PALETTE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"      # offset index after each delta


def offset_at(zone: zoneinfo.ZoneInfo, t: int) -> int:
    off = dt.datetime.fromtimestamp(t, zone).utcoffset()
    return int(off.total_seconds())


def history(zone: zoneinfo.ZoneInfo) -> tuple[int, list[tuple[int, int]]]:
    """The offset at START and every (instant, new offset) change up to END, exact to the second."""
    initial = offset_at(zone, START)
    changes: list[tuple[int, int]] = []
    previous_t, previous = START, initial
    t = START + STEP
    while t <= END:
        current = offset_at(zone, t)
        if current != previous:
            lo, hi = previous_t, t  # offset(lo) == previous, offset(hi) != previous
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset_at(zone, mid) == previous:
                    lo = mid
                else:
                    hi = mid
            changes.append((hi, offset_at(zone, hi)))
            previous = offset_at(zone, hi)
            previous_t = hi
            # A second change inside the same step would be missed; verify none happened.
            if previous != current:
                raise SystemExit(f"{zone.key}: two offset changes within {STEP} s near {hi}")
        previous_t, previous = t, current
        t += STEP
    return initial, changes


def encode_base32(n: int) -> str:
    if n <= 0:
        raise ValueError("time deltas are positive")
    out = ""
    while n:
        n, r = divmod(n, 32)
        out = DIGITS[r] + out
    return out


def encode_history(initial: int, changes: list[tuple[int, int]]) -> str:
    """`off0 off1 ...|X` then `<delta base 32><palette letter>` per change; deltas from the previous instant."""
    palette: list[int] = [initial]
    for _, off in changes:
        if off not in palette:
            palette.append(off)
    if len(palette) > len(PALETTE):
        raise SystemExit("too many distinct offsets in one zone")
    body = [PALETTE[0]]
    last = START
    for t, off in changes:
        body.append(encode_base32(t - last) + PALETTE[palette.index(off)])
        last = t
    return " ".join(str(p) for p in palette) + "|" + "".join(body)


def tzif_digest(name: str) -> str:
    parts = name.split("/")
    resource = importlib.resources.files("tzdata.zoneinfo").joinpath(*parts)
    return hashlib.sha256(resource.read_bytes()).hexdigest()


def main() -> None:
    if os.environ.get("PYTHONTZPATH", None) != "":
        raise SystemExit("run with PYTHONTZPATH= (empty) so zoneinfo reads the pinned tzdata package")
    import tzdata  # noqa: PLC0415 - the pinned source; its version goes in the header

    rules_year = int(tzdata.IANA_VERSION[:4]) + 1
    rules_from = int(dt.datetime(rules_year, 1, 1, tzinfo=dt.timezone.utc).timestamp())
    standard_sample = dt.datetime(rules_year, 1, 15, 12, tzinfo=dt.timezone.utc)

    names = sorted(zoneinfo.available_timezones())
    histories: list[str] = []
    history_index: dict[str, int] = {}
    by_digest: dict[str, int] = {}
    rows: list[str] = []
    for name in names:
        zone = zoneinfo.ZoneInfo(name)
        digest = tzif_digest(name)
        if digest in by_digest:
            index = by_digest[digest]
        else:
            encoded = encode_history(*history(zone))
            index = history_index.setdefault(encoded, len(histories))
            if index == len(histories):
                histories.append(encoded)
            by_digest[digest] = index
        local = standard_sample.astimezone(zone)
        standard = int((local.utcoffset() - local.dst()).total_seconds())
        rows.append(f"{name} {standard} {index}")
        print(f"{name}: history {index}", file=sys.stderr)

    today = dt.date.today().isoformat()
    lines = [
        "// Generated by scripts/gen_timezone_tables.py. Do not edit: run the script again.",
        f"// Source: IANA time zone database {tzdata.IANA_VERSION} (PyPI tzdata {tzdata.__version__}) via Python zoneinfo.",
        f"// Generated on {today}. {len(rows)} zone names, {len(histories)} distinct offset histories, 1970-2100.",
        "",
        "extension TimeZoneTables {",
        "    /// The IANA release the tables were generated from.",
        f'    static let ianaVersion = "{tzdata.IANA_VERSION}"',
        "    /// The day the tables were generated.",
        f'    static let generatedOn = "{today}"',
        f"    /// When the current rules start (epoch seconds): {rules_year}-01-01T00:00Z, the year after the release.",
        f"    static let currentRulesFrom: Int64 = {rules_from}",
        "    /// One zone per line: `name standardOffsetSeconds historyIndex`; standard offset under the current rules.",
        '    static let packedZones = """',
        *rows,
        '"""',
        "    /// One offset history per line: `offset0 offset1 ...|` then the palette letter of the offset at",
        "    /// 1970-01-01T00:00Z, then per change the seconds since the previous change (base 32, digits",
        "    /// 0-9a-v) followed by the palette letter of the new offset.",
        '    static let packedHistories = """',
        *histories,
        '"""',
        "}",
        "",
    ]
    with open(OUTPUT, "w", encoding="utf-8") as out:
        out.write("\n".join(lines))
    print(f"wrote {OUTPUT}: {os.path.getsize(OUTPUT)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
