"""Checks Machidayori's LINE types against LINE's official Python SDK (PyPI line-bot-sdk v3,
whose models are generated from LINE's OpenAPI spec). Reads a JSON document on stdin, prints a
JSON list of disagreements, exits 1 if there are any. Run by line/tests/sdk_agreement.rs."""
import json
import sys

from linebot.v3 import WebhookParser
from linebot.v3.messaging import Action, Message, RichMenuRequest

doc = json.load(sys.stdin)
problems = []


def same_after_sdk(kind, model, items):
    for i, item in enumerate(items):
        try:
            back = model.from_dict(item).to_dict()
        except Exception as e:  # the SDK refused it
            problems.append(f"{kind}[{i}]: the SDK refuses it: {e}")
            continue
        # The SDK silently drops fields it does not know: a difference means we accept a
        # field LINE's model lacks (or shape it differently).
        if back != item:
            problems.append(f"{kind}[{i}]: the SDK reads it as {json.dumps(back, ensure_ascii=False)}")


same_after_sdk("messages", Message, doc["messages"])
same_after_sdk("actions", Action, doc["actions"])
same_after_sdk("richMenus", RichMenuRequest, doc["richMenus"])

hook = doc["webhook"]
try:
    events = WebhookParser(hook["secret"]).parse(hook["body"], hook["signature"])
    names = [type(e).__name__ for e in events]
    if names != hook["expected"]:
        problems.append(f"webhook: the SDK parses {names}, expected {hook['expected']}")
except Exception as e:
    problems.append(f"webhook: the SDK refuses our body or signature: {e!r}")

print(json.dumps(problems, ensure_ascii=False))
sys.exit(1 if problems else 0)
