"""A real SMTP server for the e-mail channel's tests: aiosmtpd from PyPI.

Usage: python3 smtp_sink.py PORT [CERT KEY]

Listens on 127.0.0.1:PORT, prints READY once it takes connections, then one
JSON line per message received: the SMTP envelope, and the headers and text
as Python's own e-mail parser decodes them (RFC 2047 words, base64 or
quoted-printable bodies), so the test checks what a mail client would show.
Recipients at refused.example are refused with 550, as a server refuses an
unknown mailbox. Given a certificate and key, it offers STARTTLS and
refuses mail until the connection is upgraded.
"""

import json
import ssl
import sys
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Sink:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        sender = message["From"].addresses[0]
        recipient = message["To"].addresses[0]
        print(
            json.dumps(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "from_name": sender.display_name,
                    "from_address": sender.addr_spec,
                    "to_name": recipient.display_name,
                    "to_address": recipient.addr_spec,
                    "subject": str(message["Subject"]),
                    "message_id": str(message["Message-ID"]),
                    "content_type": message.get_content_type(),
                    "charset": message.get_content_charset(),
                    "text": message.get_content(),
                },
                ensure_ascii=False,
            ),
            flush=True,
        )
        return "250 2.0.0 queued"


def main():
    tls = {}
    if len(sys.argv) == 4:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        tls = {"tls_context": context, "require_starttls": True}
    controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]), **tls)
    controller.start()
    print("READY", flush=True)
    # Serve until the test kills the process.
    threading.Event().wait()


if __name__ == "__main__":
    main()
