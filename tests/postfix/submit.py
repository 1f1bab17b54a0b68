#!/usr/bin/python3
"""submit.py PORT FROM TO SUBJECT MESSAGE-ID

Send one small message over SMTP to 127.0.0.1:PORT, standard library only.
On acceptance print the Postfix queue id from the reply to DATA ("250 2.0.0
Ok: queued as ID") and exit 0; otherwise print why and exit 1."""
import re
import smtplib
import sys
from email.message import EmailMessage
from email.utils import formatdate

port, sender, rcpt, subject, msgid = sys.argv[1:6]
msg = EmailMessage()
msg["From"] = sender
msg["To"] = rcpt
msg["Subject"] = subject
msg["Date"] = formatdate(localtime=False)
msg["Message-ID"] = msgid
msg.set_content("Hello,\n\nthis came through a real Postfix.\n")
try:
    with smtplib.SMTP("127.0.0.1", int(port), local_hostname="client.test.example", timeout=20) as s:
        s.ehlo()
        code, reply = s.mail(sender)
        if code != 250:
            sys.exit("MAIL FROM refused: %d %r" % (code, reply))
        code, reply = s.rcpt(rcpt)
        if code not in (250, 251):
            sys.exit("RCPT TO refused: %d %r" % (code, reply))
        code, reply = s.data(msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        if code != 250:
            sys.exit("DATA refused: %d %r" % (code, reply))
        m = re.search(rb"queued as ([0-9A-Za-z]+)", reply)
        print(m.group(1).decode() if m else "")
except (OSError, smtplib.SMTPException) as e:
    sys.exit("SMTP error: %s" % (e,))
