#!/usr/bin/env python3
"""Generate Sources/CallGateCore/CallingWindows/AreaCodeLocations.generated.swift: where the called
party of a North American number may be, for the calling-window rules.

Source of truth: the PyPI package `phonenumbers` (pinned in scripts/requirements.txt), the Python
port of Google's libphonenumber: its geocoding data (`phonenumbers.geodata.GEOCODE_DATA`, English)
and its time-zone data (`phonenumbers.tzdata.TIMEZONE_DATA`). Run with the venv that has it:

    python3 scripts/gen_location_tables.py            # writes the Swift file
    python3 scripts/gen_location_tables.py --check    # fails if the committed file differs

One line per area code (NPA) in which libphonenumber has any valid number:
  NPA REGION STATES ZONES LISTED
  * REGION: libphonenumber's region for the area code's valid numbers (US, CA, PR, JM, ...);
  * STATES: comma-separated state, district or province codes. For US and CA numbers, every code
    named by the area code's geocoding entries (area-code level "Florida", exchange level
    "Pensacola, FL"); for the US territories the territory's own code (PR, VI, GU, MP, AS); `-` for
    other countries, which have no state rules. US data names one state per area code except 201
    (one New York exchange): the union keeps every state the data names;
  * ZONES: every IANA zone libphonenumber's time-zone data gives anywhere in the area code (its
    area-code entry and every longer prefix), plus, for an overlay, the zones of the area code it
    overlays (OVERLAYS below: those overlays have no exchange-level entries of their own);
  * LISTED: the NXX-XXXX ranges (`start-end`, end exclusive) covered by a time-zone prefix longer
    than the area code: there libphonenumber's answer for the number is precise; elsewhere the
    number may sit in any zone of the area code. `-` when none.
"""
from __future__ import annotations

import argparse
import datetime
import pathlib
import re
import sys

import phonenumbers
from phonenumbers.geodata import GEOCODE_DATA
from phonenumbers.tzdata import TIMEZONE_DATA

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Sources/CallGateCore/CallingWindows/AreaCodeLocations.generated.swift"

# Overlay area code -> the area code it overlays (NANPA assignments; calling-hours.md section 4).
OVERLAYS = {458: 541, 930: 812, 364: 270, 986: 208}

TERRITORIES = {"PR", "VI", "GU", "MP", "AS"}

US_STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA",
    "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS",
    "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA",
    "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS", "Missouri": "MO", "Montana": "MT",
    "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM",
    "New York": "NY", "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK",
    "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC",
    "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT",
    "Virginia": "VA", "Washington": "WA", "Washington State": "WA", "West Virginia": "WV",
    "Wisconsin": "WI", "Wyoming": "WY", "Washington D.C.": "DC",
}
CA_PROVINCES = {
    "Alberta": ["AB"], "British Columbia": ["BC"], "British Colombia": ["BC"], "Manitoba": ["MB"],
    "New Brunswick": ["NB"], "Newfoundland and Labrador": ["NL"], "Nova Scotia": ["NS"],
    "Nova Scotia/Prince Edward Island": ["NS", "PE"], "Ontario": ["ON"], "Quebec": ["QC"],
    "Saskatchewan": ["SK"], "Northwest Territories/Nunavut/Yukon": ["NT", "NU", "YT"],
    "Watson Lake": ["YT"],
}
US_CODES = set(US_STATES.values())
CA_CODES = {code for codes in CA_PROVINCES.values() for code in codes}


def states_of(description: str, region: str) -> list[str]:
    """The state or province codes a geocoding description names, for a US or CA number."""
    suffix = re.search(r", ([A-Z]{2})$", description)
    if suffix:
        code = suffix.group(1)
        known = US_CODES if region == "US" else CA_CODES
        if code not in known:
            raise SystemExit(f"gen_location_tables: unknown {region} code in {description!r}")
        return [code]
    if region == "US" and description in US_STATES:
        return [US_STATES[description]]
    if region == "CA" and description in CA_PROVINCES:
        return CA_PROVINCES[description]
    raise SystemExit(f"gen_location_tables: no state for {region} description {description!r}")


def region_of(npa: int) -> str | None:
    """libphonenumber's region for valid numbers of the area code (None when it has none)."""
    regions = set()
    for exchange in range(200, 1000):
        number = phonenumbers.parse(f"+1{npa}{exchange}4567")
        if phonenumbers.is_valid_number(number):
            regions.add(phonenumbers.region_code_for_number(number))
    if len(regions) > 1:
        raise SystemExit(f"gen_location_tables: area code {npa} spans regions {sorted(regions)}")
    return regions.pop() if regions else None


def listed_ranges(npa: int) -> list[tuple[int, int]]:
    ranges = []
    for key in TIMEZONE_DATA:
        if key.startswith(f"1{npa}") and len(key) > 4:
            rest = key[4:]
            width = 10 ** (7 - len(rest))
            ranges.append((int(rest) * width, (int(rest) + 1) * width))
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def zones_of(npa: int) -> set[str]:
    zones = set()
    for key, value in TIMEZONE_DATA.items():
        if key.startswith(f"1{npa}"):
            zones.update(zone for zone in value if zone != "Etc/Unknown")
    return zones


def build() -> str:
    lines = []
    for npa in range(200, 1000):
        region = region_of(npa)
        if region is None:
            continue
        if region in ("US", "CA"):
            states = set()
            for key, value in GEOCODE_DATA.items():
                if key.startswith(f"1{npa}") and value.get("en"):
                    states.update(states_of(value["en"], region))
        elif region in TERRITORIES:
            states = {region}
        else:
            states = set()
        zones = zones_of(npa)
        if npa in OVERLAYS:
            zones |= zones_of(OVERLAYS[npa])
        listed = listed_ranges(npa)
        lines.append(" ".join([
            str(npa), region,
            ",".join(sorted(states)) or "-",
            ",".join(sorted(zones)) or "-",
            ",".join(f"{start}-{end}" for start, end in listed) or "-",
        ]))
    body = "\n".join(lines)
    return f'''// GENERATED FILE - DO NOT EDIT. Regenerate with: python3 scripts/gen_location_tables.py
// Source: phonenumbers {phonenumbers.__version__} (Python port of Google's libphonenumber): geocoding (English)
// and time-zone data for country code 1. {len(lines)} area codes.

/// Where the called party of each North American area code may be; decoded once by `AreaCodeLocations`.
enum AreaCodeLocationData {{
    /// Version of the `phonenumbers` package the table was generated from.
    static let metadataVersion = "{phonenumbers.__version__}"

    /// `NPA REGION STATES ZONES LISTED` per line (see scripts/gen_location_tables.py).
    static let packed = """
{body}
"""
}}
'''


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="fail if the committed file differs")
    arguments = parser.parse_args()
    text = build()
    if arguments.check:
        if OUT.read_text() != text:
            sys.exit(f"{OUT} is not what the script generates; run it again")
        return
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT} ({datetime.date.today().isoformat()})", file=sys.stderr)


if __name__ == "__main__":
    main()
