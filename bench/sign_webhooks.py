"""Signs webhooks for bench/webhooks.sh: one line per webhook, "<webhook-id> <timestamp> <signature>".

Standard Webhooks: the signature is "v1," and the base64 of HMAC-SHA256(key, "<id>.<timestamp>.<body>"),
the key being the base64 after "whsec_". Every webhook has its own id; all share the body and the
timestamp (now, well within the gateway's 5-minute tolerance for a run of seconds).

Usage: sign_webhooks.py WHSEC_SECRET COUNT OUT_FILE
"""
import base64
import hashlib
import hmac
import os
import sys
import time

BODY = '{"serviceId": 21429, "phone": "415 814 9720", "at": "2030-01-15T10:00", "timeZone": "PT"}'


def main() -> None:
    secret, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    key = base64.b64decode(secret[len("whsec_"):])
    timestamp = str(int(time.time()))
    run = os.urandom(4).hex()
    with open(out, "w", encoding="ascii") as lines:
        for n in range(count):
            webhook_id = f"bench-{run}-{n}"
            mac = hmac.new(key, f"{webhook_id}.{timestamp}.{BODY}".encode(), hashlib.sha256).digest()
            lines.write(f"{webhook_id} {timestamp} v1,{base64.b64encode(mac).decode()}\n")


if __name__ == "__main__":
    main()
