"""Oracle: `callgate check phone --format jsonl` against Google's libphonenumber (PyPI phonenumbers).

A seeded random corpus (~200k lines) of well-formed numbers across all area codes in many CRM
styles, plus malformed inputs of every kind, goes through the real binary on stdin. Each output
line must agree with phonenumbers: valid exactly when phonenumbers says valid and the region is
allowed (US, CA, PR, VI, GU, MP, AS), with the same national digits, E.164, region, toll-free flag
and time zones (phonenumbers' list for geographic numbers without Etc/Unknown, else empty); and a
refusal must carry the code our rules give (see PhoneNumberParser.swift).

Letters follow libphonenumber's rules (`_normalize`, `_VALID_ALPHA_PHONE_PATTERN`, `_VALID_PHONE_NUMBER`):
three or more after the third digit make a vanity number whose letters are keypad digits, and
phonenumbers.parse must read such a line as the same number; a letter before the third digit makes
no number for phonenumbers; one or two letters are a typo, where phonenumbers drops them. CallGate
refuses both with `contains_letters`. A letter typed for a digit leaves phonenumbers a number it
does not accept either; a letter typed besides the digits leaves it the number without the letter,
which it accepts and CallGate refuses.
"""
import json
import random
import subprocess

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberType
from phonenumbers.timezone import time_zones_for_number

SEED = 20260601
ALLOWED = {"US", "CA", "PR", "VI", "GU", "MP", "AS"}
GEOGRAPHIC = {PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
KEYPAD = {"2": "ABC", "3": "DEF", "4": "GHI", "5": "JKL", "6": "MNO", "7": "PQRS", "8": "TUV", "9": "WXYZ"}
# Letters mistyped for digits: look-alikes first (O for 0, l for 1...), then any letter. No x or X,
# which with digits after it is an extension.
LOOKALIKES = {"0": "OoQD", "1": "lIi", "2": "Zz", "5": "Ss", "6": "Gb", "8": "B", "9": "gq"}
TYPO_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWYZabcdefghijklmnopqrstuvwyz"


def styles(rng: random.Random, d: str) -> str:
    """The 10 digits `d` written as a CRM might send them."""
    a, b, c = d[:3], d[3:6], d[6:]
    choice = rng.randrange(18)
    return [
        lambda: d,
        lambda: f"{a}-{b}-{c}",
        lambda: f"({a}) {b}-{c}",
        lambda: f"({a}){b}-{c}",
        lambda: f"{a}.{b}.{c}",
        lambda: f"{a}/{b}-{c}",
        lambda: f"{a} {b} {c}",
        lambda: f"1{d}",
        lambda: f"1-{a}-{b}-{c}",
        lambda: f"1 ({a}) {b}-{c}",
        lambda: f"+1{d}",
        lambda: f"+1 {a} {b} {c}",
        lambda: f"+1 ({a}) {b}-{c}",
        lambda: f"  {a}-{b}-{c}\t",
        lambda: f"{a}\u00a0{b}\u00a0{c}",
        lambda: f"{a}\u2013{b}\u2013{c}",
        lambda: vanity(rng, d),
        lambda: scattered_vanity(rng, d),
    ][choice]()


def vanity(rng: random.Random, d: str) -> str:
    """Letters for as many trailing digits 2-9 as possible (1-800-FLOWERS style)."""
    tail = ""
    for ch in reversed(d[3:]):
        if ch not in KEYPAD:
            break
        tail = rng.choice(KEYPAD[ch]) + tail
    head = d[: 10 - len(tail)]
    return f"1-{head[:3]}-{head[3:]}{'-' if len(head) > 3 else ''}{tail}"


def scattered_vanity(rng: random.Random, d: str) -> str:
    """Three to seven keypad letters for digits 2-9 anywhere after the first (1-800-GO-FEDEX style)."""
    places = [i for i in range(1, 10) if d[i] in KEYPAD]
    if len(places) < 3:
        return vanity(rng, d)
    chosen = set(rng.sample(places, rng.randrange(3, min(7, len(places)) + 1)))
    digits = "".join(rng.choice(KEYPAD[ch].replace("X", "")) if i in chosen else ch for i, ch in enumerate(d))
    return rng.choice([digits, f"{digits[:3]}-{digits[3:6]}-{digits[6:]}", f"1-{digits[:3]}-{digits[3:]}"])


def letter_typo(rng: random.Random, d: str) -> str:
    """One or two digits (never the first) replaced by a letter, or one letter typed besides them."""
    chars = list(d)
    if rng.random() < 0.2:
        at = rng.randrange(1, 10)
        chars.insert(at, rng.choice(TYPO_LETTERS))
    else:
        for at in rng.sample(range(1, 10), rng.randrange(1, 3)):
            chars[at] = rng.choice(LOOKALIKES.get(chars[at], "") or TYPO_LETTERS) if rng.random() < 0.7 else rng.choice(TYPO_LETTERS)
    typed = "".join(chars)
    return rng.choice([typed, f"{typed[:3]}-{typed[3:6]}-{typed[6:]}", f"({typed[:3]}) {typed[3:6]}-{typed[6:]}", f"+1 {typed}"])


def letters_in(line: str) -> int:
    return sum(1 for ch in line if ch.isascii() and ch.isalpha())


def letter_too_early(line: str) -> bool:
    """Whether a letter comes before the third digit: libphonenumber then sees no number at all."""
    digits = 0
    for ch in line:
        if ch.isascii() and ch.isalpha():
            return digits < 3
        digits += ch.isdigit()
    return False


def random_national(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.05:
        npa = rng.randrange(0, 200)                      # area codes starting 0/1
    elif r < 0.15:
        npa = rng.choice([800, 833, 844, 855, 866, 877, 888, 900, 876, 658, 809, 829, 849, 787, 939,
                          340, 671, 670, 684, 441, 242, 246, 264, 268, 284, 345, 473, 649, 664, 721,
                          758, 767, 784, 868, 869, 911, 411, 211, 523, 524, 500, 533])
    else:
        npa = rng.randrange(200, 1000)
    nxx = rng.randrange(0, 1000) if rng.random() < 0.15 else rng.randrange(200, 1000)
    return f"{npa:03d}{nxx:03d}{rng.randrange(10000):04d}"


def malformed(rng: random.Random, d: str) -> tuple[str, str]:
    """A broken input around digits `d` (area code 2-9) and the code it must be refused with."""
    kind = rng.randrange(12)
    plain = f"{d[:3]}-{d[3:6]}-{d[6:]}"
    if kind == 0:
        return rng.choice(["call ", "Tel: ", "phone ", "Mobile "]) + plain + rng.choice(["", " now"]), "text_around_number"
    if kind == 1:
        return plain + rng.choice([" now", " (cell)", " home", "please"]), "text_around_number"
    if kind == 2:
        ext = str(rng.randrange(1, 99999))
        return plain + rng.choice([" ext ", " ext. ", " x", "x", "#", " #", ";ext=", " extension ", ", ", " X"]) + ext, "extension_not_supported"
    if kind == 3:
        cut = rng.randrange(1, 4)
        return d[: 10 - cut], "too_short"
    if kind == 4:
        return d + "".join(rng.choice("0123456789") for _ in range(rng.randrange(1, 4))), "too_long"
    if kind == 5:
        at = rng.randrange(1, 10)
        return d[:at] + rng.choice("*_@!?$%&~<>[]{}|\\^'\"`") + d[at:], "invalid_characters"
    if kind == 6:
        cc = str(rng.randrange(2, 10)) + str(rng.randrange(100))[: rng.randrange(3)]
        return f"+{cc} {d}", "invalid_country_code"
    if kind == 7:
        return rng.choice(["", " ", "\t", "   "]), "empty"
    if kind == 8:
        return rng.choice(["n/a", "N/A", "none", "-", "unknown", "..."]), "no_digits"
    if kind == 9:
        return rng.choice([f"({d[:3]} {d[3:6]}-{d[6:]}", f"{d[:3]}) {d[3:6]}-{d[6:]}", f"(({d[:3]})) {d[3:6]}-{d[6:]}"]), "unbalanced_parentheses"
    if kind == 10:
        return letter_typo(rng, d), "contains_letters"
    return f"+1 1{d}", "too_long"


def build_corpus(size: int) -> list[tuple[str, str | None, str | None]]:
    """(input line, national digits it spells or None, expected refusal code for malformed lines)."""
    rng = random.Random(SEED)
    corpus = []
    for _ in range(size):
        d = random_national(rng)
        if rng.random() < 0.8:
            corpus.append((styles(rng, d), d, None))
        else:
            d = f"{rng.randrange(200, 1000)}{d[3:]}"
            line, code = malformed(rng, d)
            corpus.append((line, None, code))
    return corpus


class Oracle:
    def __init__(self) -> None:
        self.npa_witness: dict[str, bool] = {}

    @staticmethod
    def number(d: str) -> PhoneNumber:
        return PhoneNumber(country_code=1, national_number=int(d))

    def npa_in_service(self, npa: str, rng: random.Random, exhaustive: bool) -> bool:
        """Whether some number in the area code is valid: search for a witness."""
        if npa in self.npa_witness:
            return self.npa_witness[npa]
        keys = [(nxx, x) for nxx in range(200, 1000) for x in range(10)]
        if not exhaustive:
            keys = rng.sample(keys, 400)
        found = any(phonenumbers.is_valid_number(self.number(f"{npa}{nxx:03d}{x}{rng.randrange(1000):03d}"))
                    for nxx, x in keys)
        self.npa_witness[npa] = found
        return found

    def expected_code(self, d: str, rng: random.Random, claimed: str) -> str:
        """The refusal code our rules give for the 10 digits d that phonenumbers does not accept."""
        npa, nxx = d[:3], d[3:6]
        if npa[0] in "01" or npa[1:] == "11":
            return "invalid_area_code"
        # Searching an area code exhaustively is slow: do it only when the binary claims it in service.
        if not self.npa_in_service(npa, rng, exhaustive=claimed != "invalid_area_code"):
            return "invalid_area_code"
        if nxx[0] in "01" or nxx[1:] == "11":
            return "invalid_exchange"
        return "unassigned_number"


def expected_valid(num: PhoneNumber) -> dict:
    region = phonenumbers.region_code_for_number(num)
    ntype = phonenumbers.number_type(num)
    zones = [z for z in time_zones_for_number(num) if z != "Etc/Unknown"] if ntype in GEOGRAPHIC else []
    d = str(num.national_number)
    return {"valid": True, "national": d, "e164": "+1" + d, "region": region,
            "tollFree": ntype == PhoneNumberType.TOLL_FREE, "timeZones": zones}


def dropped_letters_reading(line: str) -> str | None:
    """The national number phonenumbers.parse accepts for `line` (letters read or dropped by its
    rule), or None when it refuses it."""
    try:
        num = phonenumbers.parse(line, "US")
    except phonenumbers.NumberParseException:
        return None
    return str(num.national_number) if phonenumbers.is_valid_number(num) else None


def national_digits(line: str) -> str:
    """The digits of `line` without its letters, after a leading country code 1."""
    digits = "".join(ch for ch in line if ch.isdigit())
    return digits[1:] if len(digits) == 11 and digits[0] == "1" else digits


def test_check_phone_agrees_with_libphonenumber(callgate_bin):
    corpus = build_corpus(200_000)
    stdin = "".join(line + "\n" for line, _, _ in corpus)
    result = subprocess.run([callgate_bin, "check", "phone", "--format", "jsonl"], input=stdin.encode(),
                            capture_output=True, timeout=600)
    assert result.returncode in (0, 1), result.stderr.decode()
    outputs = result.stdout.decode().splitlines()
    assert len(outputs) == len(corpus)

    oracle, rng = Oracle(), random.Random(SEED + 1)
    mismatches, valid_count = [], 0
    vanity_count = sum(1 for line, digits, _ in corpus if digits and letters_in(line) >= 3 and not letter_too_early(line))
    typo_count = sum(1 for line, digits, code in corpus if code == "contains_letters" or (digits and 1 <= letters_in(line) <= 2))
    for (line, digits, code), output in zip(corpus, outputs):
        got = json.loads(output)
        if got.get("input") != line:
            mismatches.append((line, "input echoed as", got.get("input")))
            continue
        letters = letters_in(line)
        if letters and letter_too_early(line) and code in (None, "contains_letters"):
            if dropped_letters_reading(line) is not None:
                mismatches.append((line, "phonenumbers reads a letter before the third digit as", dropped_letters_reading(line)))
            expected = {"valid": False, "code": "contains_letters"}
        elif 1 <= letters <= 2 and code in (None, "contains_letters"):
            # phonenumbers drops the letters: it accepts at most the number the remaining digits spell.
            accepted = dropped_letters_reading(line)
            if accepted is not None and accepted != national_digits(line):
                mismatches.append((line, "phonenumbers reads the typo as", accepted))
            expected = {"valid": False, "code": "contains_letters"}
        elif digits is None:
            expected = {"valid": False, "code": code}
        else:
            num = Oracle.number(digits)
            if phonenumbers.is_valid_number(num):
                if letters and dropped_letters_reading(line) != digits:
                    mismatches.append((line, "phonenumbers reads the vanity number as", dropped_letters_reading(line)))
                expected = expected_valid(num)
                if expected["region"] not in ALLOWED:
                    expected = {"valid": False, "code": "unsupported_region"}
            else:
                claimed = got.get("error", {}).get("code", "")
                expected = {"valid": False, "code": oracle.expected_code(digits, rng, claimed)}
        if expected["valid"]:
            actual = {k: got.get(k) for k in expected}
            valid_count += 1
        else:
            actual = {"valid": got.get("valid"), "code": got.get("error", {}).get("code")}
            if not got.get("error", {}).get("detail"):
                mismatches.append((line, "no detail", got))
        if actual != expected:
            mismatches.append((line, expected, actual))
    assert not mismatches, f"{len(mismatches)} mismatches, first: {mismatches[:10]}"
    assert valid_count > 40_000, "the corpus should hold many valid numbers"
    assert vanity_count > 5_000, "the corpus should hold many valid vanity numbers"
    assert typo_count > 5_000, "the corpus should hold many letter typos"
