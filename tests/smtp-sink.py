#!/usr/bin/python3
"""smtp-sink - a real SMTP server on 127.0.0.1 for portero's tests (aiosmtpd).

Every accepted message is stored as DIR/NNNN.eml (the DATA bytes exactly as
received, dot-unstuffed, CRLF line ends) and DIR/NNNN.env (MAIL FROM, then one
RCPT TO a line). The chosen port goes to --port-file, written atomically. The
server exits by itself after --lifetime seconds, so a crashed test never
leaves it running.

  --fail-rcpt CODE   answer every RCPT with CODE (e.g. 451 or 550)
  --auth USER:PASS   require AUTH (PLAIN or LOGIN, allowed without TLS)
  --silent           accept connections and never say a word
  --tls-cert/--tls-key PEM files: offer STARTTLS
  --ehlo-delay SECONDS  answer EHLO late (a slow server; after STARTTLS too)
"""
import argparse
import asyncio
import logging
import os
import ssl
import sys
import warnings

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError:  # the C test checks for this itself and skips
    sys.exit("smtp-sink: aiosmtpd is not importable by " + sys.executable)


def write_atomically(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class Sink:
    def __init__(self, directory, fail_rcpt, ehlo_delay=0):
        self.directory = directory
        self.fail_rcpt = fail_rcpt
        self.ehlo_delay = ehlo_delay
        # A restarted server goes on numbering after what is there already.
        os.makedirs(directory, exist_ok=True)
        self.count = len([f for f in os.listdir(directory) if f.endswith(".eml")])

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.ehlo_delay:
            await asyncio.sleep(self.ehlo_delay)
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.fail_rcpt:
            text = "try again later" if self.fail_rcpt.startswith("4") else "no such user"
            return "%s %s" % (self.fail_rcpt, text)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, "%04d" % self.count)
        env = "".join(line + "\n" for line in [envelope.mail_from] + envelope.rcpt_tos)
        write_atomically(base + ".env", env.encode("utf-8", "surrogateescape"))
        write_atomically(base + ".eml", envelope.original_content)
        return "250 2.0.0 stored as %04d" % self.count


def make_authenticator(user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False)
    return authenticator


class Silent(asyncio.Protocol):
    """Accepts, reads and never answers."""
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        pass


def main():
    p = argparse.ArgumentParser(description="SMTP sink for portero's tests")
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--fail-rcpt")
    p.add_argument("--auth")
    p.add_argument("--lifetime", type=float, default=120)
    p.add_argument("--silent", action="store_true")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--ehlo-delay", type=float, default=0)
    args = p.parse_args()
    if args.fail_rcpt and not (len(args.fail_rcpt) == 3 and args.fail_rcpt[0] in "45"
                               and args.fail_rcpt.isdigit()):
        p.error("--fail-rcpt takes a 4xx or 5xx code")
    os.makedirs(args.dir, exist_ok=True)
    # AUTH without TLS is deliberate here: keep stderr for real trouble.
    warnings.filterwarnings("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    if args.silent:
        factory = Silent
    else:
        handler = Sink(args.dir, args.fail_rcpt, args.ehlo_delay)
        kwargs = dict(hostname="smtp-sink.test", ident="smtp-sink")
        if args.auth:
            user, _, password = args.auth.partition(":")
            kwargs.update(authenticator=make_authenticator(user, password),
                          auth_required=True, auth_require_tls=False)
        if args.tls_cert:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(args.tls_cert, args.tls_key)
            kwargs.update(tls_context=context)

        def factory():
            return SMTP(handler, loop=loop, **kwargs)

    server = loop.run_until_complete(
        loop.create_server(factory, host="127.0.0.1", port=args.port))
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        write_atomically(args.port_file, b"%d\n" % port)
    loop.call_later(args.lifetime, loop.stop)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass
    server.close()


if __name__ == "__main__":
    main()
