#!/usr/bin/env python3
"""Generate Sources/CallGateCore/Phone/PhoneTables.generated.swift from libphonenumber metadata.

Source of truth: the PyPI package `phonenumbers` (pinned in scripts/requirements.txt), the Python
port of Google's libphonenumber. Run with the venv that has it:

    python3 scripts/gen_phone_tables.py            # writes the Swift file, then self-checks it
    python3 scripts/gen_phone_tables.py --check    # regenerates in memory, fails if the file differs

What the tables say, for every 10-digit North American number NPA-NXX-XXXX:
  * is it valid (phonenumbers.is_valid_number), and if so
  * its region (phonenumbers.region_code_for_number),
  * its kind: geographic (FIXED_LINE / MOBILE / FIXED_LINE_OR_MOBILE), toll-free (TOLL_FREE),
    or another non-geographic type (PREMIUM_RATE, PERSONAL_NUMBER, ...),
  * its candidate time zones (phonenumbers.timezone.time_zones_for_number; empty for
    non-geographic numbers and where phonenumbers answers Etc/Unknown).

Granularity. All of that is decided by the first 7 digits (NPA-NXX-X). The script PROVES this
before generating anything, and stops otherwise:
  1. Every national-number pattern of every NANP region is expanded (via Python's own regex
     parser) into the finite set of sequences of digit classes it matches; every sequence of
     length 10 must end in three unrestricted digits (\\d\\d\\d).
  2. Every region's leading-digits pattern (a prefix match) must expand to prefixes of <= 7 digits.
  3. Every time-zone prefix for +1 must have <= 7 national digits.
Within one area code, the union of the boundaries of all those sets cuts the 10,000 values of
NXX-X into runs on which every pattern, every leading-digits test and the longest time-zone prefix
are constant; phonenumbers' answer is therefore constant on each run. The script asks phonenumbers
itself for each run (at three sample numbers with random last digits, which must agree), merges
equal neighbours, and finally re-checks a random sample of numbers through the written tables.

Table layout (all integers little-endian, base64 in the Swift file):
  npaOffsets : UInt16 x 801  - ranges of area code 200+i are ranges[npaOffsets[i] ..< npaOffsets[i+1]]
  rangeStart : UInt16 x R    - first NXX-X (NXX*10+X, 0...9999) of each range, ascending per area code
  rangeClass : UInt8  x R    - index into `classes`
  classes    : UInt32 literal - region index + 1 (0 = invalid) | kind << 8 | zone-set index << 16
  zoneSets   : [[UInt8]]     - indices into zoneNames
"""
from __future__ import annotations

import argparse
import base64
import datetime
import pathlib
import random
import re._constants as C
import re._parser as P
import struct
import sys

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberType
from phonenumbers.timezone import time_zones_for_number, UNKNOWN_TIMEZONE
from phonenumbers.tzdata import TIMEZONE_DATA

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Sources/CallGateCore/Phone/PhoneTables.generated.swift"
DIGITS = frozenset("0123456789")
DESC_FIELDS = ["general_desc", "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost",
               "personal_number", "voip", "pager", "uan", "voicemail"]
GEOGRAPHIC = {PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
KIND_INVALID, KIND_GEOGRAPHIC, KIND_TOLL_FREE, KIND_OTHER = 0, 1, 2, 3
# Region order of the Swift enum PhoneRegion; the class table stores indices into it.
SWIFT_REGIONS = ["US", "CA", "PR", "VI", "GU", "MP", "AS", "AG", "AI", "BB", "BM", "BS", "DM", "DO",
                 "GD", "JM", "KN", "KY", "LC", "MS", "SX", "TC", "TT", "VC", "VG"]


class GranularityError(SystemExit):
    pass


def fail(message: str) -> None:
    raise GranularityError(f"gen_phone_tables: {message}")


# ---------------------------------------------------------------- regex expansion (the proof)

def _char_class(item) -> frozenset | None:
    op, av = item
    if op is C.LITERAL:
        return frozenset([chr(av)])
    if op is C.IN:
        chars: set[str] = set()
        for o, a in av:
            if o is C.LITERAL:
                chars.add(chr(a))
            elif o is C.RANGE:
                chars.update(chr(c) for c in range(a[0], a[1] + 1))
            elif o is C.CATEGORY and a is C.CATEGORY_DIGIT:
                chars |= DIGITS
            else:
                fail(f"unsupported character-class item {o} {a}")
        return frozenset(chars)
    if op is C.CATEGORY:
        fail(f"unsupported category {av}")
    return None


def expand(seq, max_len: int) -> set[tuple[frozenset, ...]]:
    """All sequences of character classes (up to max_len long) that a parsed regex matches."""
    result: set[tuple] = {()}
    for item in seq:
        op, av = item
        cls = _char_class(item)
        if cls is not None:
            alternatives = {(cls,)}
        elif op is C.SUBPATTERN:
            alternatives = expand(av[3], max_len)
        elif op is C.BRANCH:
            alternatives = set()
            for branch in av[1]:
                alternatives |= expand(branch, max_len)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            low, high, sub = av
            if high is C.MAXREPEAT:
                fail("unbounded repetition in a NANP pattern")
            once = expand(sub, max_len)
            alternatives, current = set(), {()}
            for count in range(high + 1):
                if count >= low:
                    alternatives |= current
                current = {a + b for a in current for b in once if len(a + b) <= max_len}
        else:
            fail(f"unsupported regex construct {op}")
        result = {a + b for a in result for b in alternatives if len(a + b) <= max_len}
    return result


def nanp_regions() -> list[str]:
    regions = list(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1])
    if sorted(regions) != sorted(SWIFT_REGIONS):
        fail(f"NANP regions changed: {sorted(regions)}; update PhoneRegion and SWIFT_REGIONS")
    return regions


def collect_prefix_sets(regions: list[str]) -> list[tuple[frozenset, ...]]:
    """Prefixes (as class sequences of length <= 7) whose membership decides every answer."""
    prefixes: list[tuple[frozenset, ...]] = []
    for region in regions:
        meta = PhoneMetadata.metadata_for_region(region)
        for field in DESC_FIELDS:
            desc = getattr(meta, field)
            if desc is None or desc.national_number_pattern is None:
                continue
            for seq in expand(P.parse(desc.national_number_pattern), 12):
                if len(seq) != 10:
                    continue  # other lengths never match a 10-digit number
                if any(c != DIGITS for c in seq[7:]):
                    fail(f"{region}.{field} decides beyond 7 digits: {desc.national_number_pattern}")
                if not seq[0] <= set("23456789"):
                    fail(f"{region}.{field} allows an area code starting with 0/1")
                prefixes.append(seq[:7])
        if meta.leading_digits:
            for seq in expand(P.parse(meta.leading_digits), 12):
                if len(seq) > 7:
                    fail(f"{region} leading digits longer than 7: {meta.leading_digits}")
                prefixes.append(seq)
    for key in TIMEZONE_DATA:
        if key.startswith("1"):
            if len(key) > 8:
                fail(f"time-zone prefix {key} has more than 7 national digits")
            prefixes.append(tuple(frozenset(ch) for ch in key[1:]))
    return prefixes


def boundaries_for_npa(relevant) -> list[int]:
    """Sorted cut points in 0...10000 of NXX-X values for one area code, given the prefixes
    (of >= 3 digits) that match the area code."""
    cuts = {0, 10000}
    for seq in relevant:
        _add_runs(seq[3:], 0, 1000, cuts)
    return sorted(cuts)


def _add_runs(classes, base: int, scale: int, cuts: set[int]) -> None:
    if not classes:
        cuts.add(base)
        cuts.add(base + scale * 10)
        return
    first, rest = classes[0], classes[1:]
    if all(c == DIGITS for c in rest):
        # contiguous digit ranges of `first`, each covering a block of keys
        digits = sorted(int(d) for d in first)
        start = prev = digits[0]
        for d in digits[1:] + [None]:
            if d is not None and d == prev + 1:
                prev = d
                continue
            cuts.add(base + start * scale)
            cuts.add(base + (prev + 1) * scale)
            if d is not None:
                start = prev = d
        return
    for d in sorted(int(x) for x in first):
        _add_runs(rest, base + d * scale, scale // 10, cuts)


# ---------------------------------------------------------------- asking phonenumbers

def classify(national: int) -> tuple:
    number = PhoneNumber(country_code=1, national_number=national)
    if not phonenumbers.is_valid_number(number):
        return (None, KIND_INVALID, ())
    region = phonenumbers.region_code_for_number(number)
    ntype = phonenumbers.number_type(number)
    if ntype in GEOGRAPHIC:
        zones = tuple(z for z in time_zones_for_number(number) if z != UNKNOWN_TIMEZONE)
        return (region, KIND_GEOGRAPHIC, zones)
    kind = KIND_TOLL_FREE if ntype == PhoneNumberType.TOLL_FREE else KIND_OTHER
    return (region, kind, ())


def build(seed: int):
    rng = random.Random(seed)
    regions = nanp_regions()
    prefixes = collect_prefix_sets(regions)
    table: list[list[tuple[int, tuple]]] = []
    samples = 0
    for npa_value in range(200, 1000):
        npa = str(npa_value)
        # Prefixes shorter than 3 digits are constant over a whole area code: they cut nothing.
        relevant = [p for p in prefixes if len(p) >= 3 and all(npa[i] in p[i] for i in range(3))]
        cuts = boundaries_for_npa(relevant)
        runs: list[tuple[int, tuple]] = []
        for lo, hi in zip(cuts, cuts[1:]):
            picks = {lo, hi - 1, rng.randrange(lo, hi)}
            answers = {classify(npa_value * 10_000_000 + key * 1000 + rng.randrange(1000)) for key in picks}
            samples += len(picks)
            if len(answers) != 1:
                fail(f"granularity violated in {npa}: NXX-X {lo}..{hi - 1} answers {answers}")
            answer = answers.pop()
            if runs and runs[-1][1] == answer:
                continue
            runs.append((lo, answer))
        table.append(runs)
    return table, samples


# ---------------------------------------------------------------- encoding

def encode(table):
    zone_names = sorted({z for runs in table for _, (_, _, zones) in runs for z in zones})
    zone_sets: list[tuple[str, ...]] = [()]
    classes: list[tuple] = []
    offsets, starts, class_ids = [0], [], []
    for runs in table:
        for start, answer in runs:
            region, kind, zones = answer
            if zones not in zone_sets:
                zone_sets.append(zones)
            packed = ((SWIFT_REGIONS.index(region) + 1) if region else 0) | (kind << 8) | (zone_sets.index(zones) << 16)
            if packed not in classes:
                classes.append(packed)
            starts.append(start)
            class_ids.append(classes.index(packed))
        offsets.append(len(starts))
    if len(starts) >= 65536 or len(classes) > 256 or len(zone_names) > 256:
        fail(f"tables outgrew their integer widths: {len(starts)} ranges, {len(classes)} classes")
    blobs = {
        "npaOffsets": struct.pack(f"<{len(offsets)}H", *offsets),
        "rangeStart": struct.pack(f"<{len(starts)}H", *starts),
        "rangeClass": bytes(class_ids),
    }
    sets_idx = [[zone_names.index(z) for z in s] for s in zone_sets]
    return zone_names, sets_idx, classes, blobs


def decode_and_lookup(zone_names, sets_idx, classes, blobs):
    """The lookup the Swift code performs, over the encoded bytes, for the self-check."""
    offsets = struct.unpack(f"<{len(blobs['npaOffsets']) // 2}H", blobs["npaOffsets"])
    starts = struct.unpack(f"<{len(blobs['rangeStart']) // 2}H", blobs["rangeStart"])
    class_ids = blobs["rangeClass"]

    def lookup(national: int) -> tuple:
        npa, key = national // 10_000_000, (national // 1000) % 10000
        if npa < 200:
            return (None, KIND_INVALID, ())
        lo, hi = offsets[npa - 200], offsets[npa - 199]
        while hi - lo > 1:  # last range whose start <= key
            mid = (lo + hi) // 2
            if starts[mid] <= key:
                lo = mid
            else:
                hi = mid
        packed = classes[class_ids[lo]]
        region = SWIFT_REGIONS[(packed & 0xFF) - 1] if packed & 0xFF else None
        return (region, (packed >> 8) & 0xFF, tuple(zone_names[i] for i in sets_idx[packed >> 16]))
    return lookup


def swift_source(zone_names, sets_idx, classes, blobs, ranges: int) -> str:
    def b64(data: bytes) -> str:
        text = base64.b64encode(data).decode()
        lines = [text[i:i + 120] for i in range(0, len(text), 120)]
        return '"""\n' + "\n".join(lines) + '\n"""'
    zones = ",\n".join(f'        "{z}"' for z in zone_names)
    sets = ", ".join("[" + ", ".join(map(str, s)) + "]" for s in sets_idx)
    cls = ", ".join(f"0x{c:06X}" for c in classes)
    today = datetime.date.today().isoformat()
    return f"""// GENERATED FILE - DO NOT EDIT. Regenerate with: python3 scripts/gen_phone_tables.py
// Source: phonenumbers {phonenumbers.__version__} (Python port of Google's libphonenumber), country code 1.
// Generated: {today}. {ranges} ranges over 800 area codes; decided by the first 7 digits (NPA-NXX-X).
// Layout: see the docstring of scripts/gen_phone_tables.py; decoded once by PhoneTables.swift.

/// Raw NANP tables generated from libphonenumber metadata.
enum PhoneTableData {{
    /// Version of the `phonenumbers` package the tables were generated from.
    static let metadataVersion = "{phonenumbers.__version__}"

    /// IANA time-zone names referenced by `zoneSets`.
    static let zoneNames: [String] = [
{zones},
    ]

    /// Candidate time-zone sets, as indices into `zoneNames`; set 0 is empty.
    static let zoneSets: [[UInt8]] = [{sets}]

    /// Number classes: region index + 1 (0 = invalid) | kind << 8 | zone-set index << 16.
    static let classes: [UInt32] = [{cls}]

    /// UInt16 LE x 801: range offsets per area code 200...999.
    static let npaOffsets = {b64(blobs["npaOffsets"])}

    /// UInt16 LE per range: first NXX-X value (NXX * 10 + X) of the range.
    static let rangeStart = {b64(blobs["rangeStart"])}

    /// UInt8 per range: index into `classes`.
    static let rangeClass = {b64(blobs["rangeClass"])}
}}
"""


def self_check(lookup, rng: random.Random, count: int) -> None:
    for _ in range(count):
        npa = rng.randrange(200, 1000)
        national = npa * 10_000_000 + rng.randrange(10_000_000)
        expected, actual = classify(national), lookup(national)
        if expected != actual:
            fail(f"self-check failed for {national}: phonenumbers {expected}, tables {actual}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed file is stale")
    parser.add_argument("--sample", type=int, default=200_000, help="random numbers re-checked")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    table, samples = build(args.seed)
    zone_names, sets_idx, classes, blobs = encode(table)
    ranges = sum(len(r) for r in table)
    lookup = decode_and_lookup(zone_names, sets_idx, classes, blobs)
    self_check(lookup, random.Random(args.seed + 1), args.sample)
    source = swift_source(zone_names, sets_idx, classes, blobs, ranges)
    body = lambda s: "\n".join(l for l in s.splitlines() if not l.startswith("// Generated:"))
    if args.check:
        if not OUT.exists() or body(OUT.read_text()) != body(source):
            fail(f"{OUT.relative_to(ROOT)} is stale; rerun scripts/gen_phone_tables.py")
        print(f"{OUT.relative_to(ROOT)} is up to date")
        return
    OUT.write_text(source)
    print(f"wrote {OUT.relative_to(ROOT)}: {ranges} ranges, {len(classes)} classes, "
          f"{len(zone_names)} zones, {len(source)} bytes; {samples} run samples and "
          f"{args.sample} random numbers agree with phonenumbers {phonenumbers.__version__}")


if __name__ == "__main__":
    main()
