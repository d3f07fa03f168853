#!/usr/bin/env python3
"""Generate signed LINE webhook request bodies for the webhook intake benchmark.

Writes one request per line: base64(HMAC-SHA256(secret, body)) TAB body, where body is a
single-line UTF-8 JSON webhook payload carrying one text message event. Every event has a unique
webhookEventId (26-character ULID-like string), message id and reply token; the user is one of
--users distinct user ids. Python standard library only.

    LINE_CHANNEL_SECRET=... python3 gen_bodies.py OUT.tsv [--count 600000] [--set 0]

--set (0-255) is encoded into every id, so files generated with different sets never share an
event id (use one set for a warm-up and another for the measured run against the same database).
The output is written to OUT.tsv.tmp and renamed when complete.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import random
import sys
import time

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

TEXTS = [
    "ごみの収集日を教えてください",
    "粗大ごみの出し方を知りたいです",
    "明日の燃えるごみは何時までに出せばいいですか",
    "防災訓練の日程はいつですか",
    "公民館の予約はどこでできますか",
    "子育て支援の窓口の場所を教えてください",
    "道路の街灯が切れています",
    "住民票の写しはコンビニで取れますか",
    "台風の避難所はどこですか",
    "図書館の開館時間を教えてください",
    "資源ごみの分別がわかりません",
    "ありがとうございました",
]


def crockford(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(out))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="output file (signature TAB body per line)")
    ap.add_argument("--count", type=int, default=600_000, help="number of requests (default 600000)")
    ap.add_argument("--set", type=int, default=0, help="id namespace 0-255 (default 0)")
    ap.add_argument("--users", type=int, default=1000, help="distinct user ids (default 1000)")
    ap.add_argument(
        "--destination",
        default=os.environ.get("LINE_DESTINATION", "U" + "0123456789abcdef" * 2),
        help="bot user id put in 'destination' (default $LINE_DESTINATION or a fixed U+32 hex)",
    )
    ap.add_argument("--secret", default=os.environ.get("LINE_CHANNEL_SECRET"),
                    help="channel secret (default $LINE_CHANNEL_SECRET)")
    args = ap.parse_args()
    if not args.secret:
        ap.error("a channel secret is required (--secret or LINE_CHANNEL_SECRET)")
    if not 0 <= args.set <= 255:
        ap.error("--set must be within 0-255")
    if not 0 < args.count < 2**32:
        ap.error("--count must be within 1 .. 2^32-1")

    secret = args.secret.encode()
    rng = random.Random(f"machidayori-webhook-bench/{args.set}")
    users = ["U%032x" % rng.getrandbits(128) for _ in range(args.users)]
    namespace = args.set << 32
    base_ms = int(time.time() * 1000) - args.count  # timestamps end about now, one per ms
    # Strings around the varying fields, serialised once (json.dumps escapes nothing in the ids).
    head = '{"destination":%s,"events":[{"type":"message","message":{"type":"text","id":"' % json.dumps(
        args.destination
    )
    texts = [json.dumps(t, ensure_ascii=False) for t in TEXTS]

    started = time.monotonic()
    tmp = args.out + ".tmp"
    with open(tmp, "wb", buffering=1 << 20) as f:
        for i in range(args.count):
            unique = namespace | i  # 40 bits: set, index
            ts = base_ms + i
            event_id = crockford(ts, 10) + crockford(rng.getrandbits(40), 8) + crockford(unique, 8)
            message_id = str(500_000_000_000_000_000 + unique)
            quote_token = base64.urlsafe_b64encode(rng.getrandbits(576).to_bytes(72, "big")).decode()
            body = (
                f'{head}{message_id}","quoteToken":"{quote_token}","text":{texts[i % len(texts)]}}},'
                f'"webhookEventId":"{event_id}","deliveryContext":{{"isRedelivery":false}},'
                f'"timestamp":{ts},"source":{{"type":"user","userId":"{users[rng.randrange(len(users))]}"}},'
                f'"replyToken":"{rng.getrandbits(128):032x}","mode":"active"}}]}}'
            ).encode()
            sig = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest())
            f.write(sig + b"\t" + body + b"\n")
    os.replace(tmp, args.out)
    print(
        f"gen_bodies: {args.count} bodies, set {args.set}, {os.path.getsize(args.out) / 2**20:.0f} MiB "
        f"in {time.monotonic() - started:.1f} s -> {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
