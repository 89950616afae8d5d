"""Writes a realistic CRM export of phone numbers, one per line, for `make bench`.

Mixes the styles CRMs send (plain digits, punctuation, +1, vanity letters) with a share of bad rows
(too short, text around, extensions, unassigned area codes), seeded so every run reads the same file.
"""
import argparse
import random

AREA_CODES = ["212", "415", "650", "408", "312", "713", "305", "617", "206", "702", "404", "503",
              "604", "416", "787", "340", "671", "670", "684", "800", "888", "877"]
STYLES = ["{a}{e}{s}", "({a}) {e}-{s}", "{a}-{e}-{s}", "{a}.{e}.{s}", "+1 {a} {e} {s}", "1{a}{e}{s}",
          "+1{a}{e}{s}", "1-{a}-{e}-{s}", "{a}/{e}-{s}"]
BAD = ["{a}{e}", "call {a}{e}{s}", "{a}{e}{s} ext 12", "123{e}{s}", "{a}055{s}", ""]

def corpus_arguments() -> argparse.Namespace:
    """--lines and --seed, the options of every corpus script."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def write_lines(lines) -> None:
    """Prints the lines in chunks, so a corpus of millions never sits in memory whole."""
    out = []
    for line in lines:
        out.append(line)
        if len(out) >= 65536:
            print("\n".join(out))
            out.clear()
    if out:
        print("\n".join(out))


def main() -> None:
    args = corpus_arguments()
    rng = random.Random(args.seed)

    def lines():
        for _ in range(args.lines):
            a = rng.choice(AREA_CODES)
            e = f"{rng.randint(200, 999)}"
            s = f"{rng.randint(0, 9999):04d}"
            template = rng.choice(BAD) if rng.random() < 0.1 else rng.choice(STYLES)
            yield template.format(a=a, e=e, s=s)

    write_lines(lines())

if __name__ == "__main__":
    main()
