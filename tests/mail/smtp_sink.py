"""A real SMTP server for the e-mail tests (aiosmtpd, pinned in the
Makefile's verifier-deps): it accepts mail on 127.0.0.1:<port> and writes
one JSON line per accepted message to <out>: the Message-ID, the envelope
recipients, the subject, the plain-text and the HTML part, as Python's own
e-mail parser reads them (an independent reader of what lettre wrote).

  smtp_sink.py <port> <out> [--refuse REGEX] [--delay-ms N]

--refuse answers 550 to every message for a recipient matching REGEX;
--delay-ms waits before accepting each message (a slow relay, so a test
can kill the sender mid-batch). Prints "READY" once it listens.
"""

import argparse
import asyncio
import email
import email.policy
import json
import re
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out, refuse, delay_ms):
        self.out = out
        self.refuse = re.compile(refuse) if refuse else None
        self.delay = delay_ms / 1000.0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse and any(self.refuse.search(r) for r in envelope.rcpt_tos):
            return "550 5.7.1 refused by the test relay"
        if self.delay:
            await asyncio.sleep(self.delay)
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        line = {
            "message_id": msg.get("Message-ID", ""),
            "to": envelope.rcpt_tos,
            "from": msg.get("From", ""),
            "subject": msg.get("Subject", ""),
            "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
            "multipart": msg.get_content_type(),
            "at": time.time(),
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")
            f.flush()
        return "250 OK"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("out")
    p.add_argument("--refuse", default="")
    p.add_argument("--delay-ms", type=int, default=0)
    a = p.parse_args()
    c = Controller(Sink(a.out, a.refuse, a.delay_ms), hostname="127.0.0.1", port=a.port)
    c.start()
    print("READY", flush=True)
    try:
        sys.stdin.read()  # until the test closes stdin or kills us
    finally:
        c.stop()


if __name__ == "__main__":
    main()
