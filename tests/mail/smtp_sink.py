"""A real SMTP server for the e-mail tests (aiosmtpd, pinned in the
Makefile's verifier-deps): it accepts mail on 127.0.0.1:<port> and writes
one JSON line per accepted message to <out>: the Message-ID, the envelope
recipients, the subject, the plain-text and the HTML part, as Python's own
e-mail parser reads them (an independent reader of what lettre wrote).

  smtp_sink.py <port> <out> [--refuse REGEX] [--delay-ms N]
               [--starttls CERT KEY] [--auth USER:PASSWORD]

--refuse answers 550 to every message for a recipient matching REGEX;
--delay-ms waits before accepting each message (a slow relay, so a test
can kill the sender mid-batch); --starttls requires STARTTLS with that
certificate chain and key (PEM); --auth requires a login (after TLS) with
exactly that user and password. Prints "READY" once it listens.
"""

import argparse
import asyncio
import email
import email.policy
import json
import re
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


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
    p.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--auth", default="")
    a = p.parse_args()
    kw = {}
    if a.starttls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.starttls[0], a.starttls[1])
        kw.update(tls_context=ctx, require_starttls=True)
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, data):
            ok = data.login.decode() == user and data.password.decode() == password
            return AuthResult(success=ok)

        kw.update(authenticator=authenticator, auth_required=True, auth_require_tls=True)
    c = Controller(Sink(a.out, a.refuse, a.delay_ms), hostname="127.0.0.1", port=a.port, **kw)
    c.start()
    print("READY", flush=True)
    try:
        sys.stdin.read()  # until the test closes stdin or kills us
    finally:
        c.stop()


if __name__ == "__main__":
    main()
