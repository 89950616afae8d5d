"""Writes `PHONE,INSTANT` lines for the `callgate check window` benchmark (`make bench`).

Numbers in every US zone (split area codes, listed and unlisted exchanges included, and states with
their own rules), instants spread uniformly over ten years (2026-2035, UTC), seeded so every run reads
the same file.
"""
import datetime as dt
import random

from make_phone_corpus import corpus_arguments, write_lines

AREA_CODES = ["212", "305", "850", "401", "215", "214", "312", "504", "205", "601", "801", "303", "208",
              "541", "701", "605", "423", "812", "906", "928", "602", "415", "206", "907", "808", "787",
              "860", "301", "405", "502", "617", "702", "505", "612", "402", "313", "416", "604"]
START = int(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc).timestamp())
END = int(dt.datetime(2036, 1, 1, tzinfo=dt.timezone.utc).timestamp())


def main() -> None:
    args = corpus_arguments()
    rng = random.Random(args.seed)

    def lines():
        for _ in range(args.lines):
            instant = dt.datetime.fromtimestamp(rng.randrange(START, END), dt.timezone.utc)
            yield f"{rng.choice(AREA_CODES)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d},{instant:%Y-%m-%dT%H:%M:%SZ}"

    write_lines(lines())


if __name__ == "__main__":
    main()
