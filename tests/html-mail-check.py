#!/usr/bin/env python3
"""html-mail-check.py MAIL TMPL HTML VALUES.json

Parse a mail portero built from the template pair TMPL (.tmpl) and HTML
(.html) back with Python's email and html.parser, and check that:
- it is multipart/alternative: text/plain first, text/html second (alone or
  as the root of a multipart/related), both UTF-8, quoted-printable or base64;
- the text part is exactly the .tmpl's body expanded with VALUES (a JSON
  object: English snippet name -> value; the password, the link and the
  ticket lists are whatever the mail holds, the same in both parts);
  a knowledge-base snippet, whose HTML is trusted (kb.c), also has its HTML
  under "NAME (html)", which takes the snippet's place in the template;
- the HTML part has exactly the template's elements and attributes (a value
  adds none; a ticket list's line ends become <br>), no script, no event
  handler, links only to http(s), images only cid:, and every value shows as
  text, character for character (bidirectional controls dropped), never as
  markup.
Prints nothing and exits 0 when all hold; otherwise prints what failed."""
import email
import json
import re
import sys
from email import policy
from html.parser import HTMLParser

# Every name of each snippet, as src/template.c lists them.
NAMES = {
    "Portal Address": ["Portal Address", "Dirección del Portal"],
    "Portal Username": ["Portal Username", "Nombre de Usuario del Portal", "Nombre de Usuario"],
    "Portal Password": ["Portal Password", "Contraseña del Portal", "Contraseña"],
    "Portal Password Link": ["Portal Password Link", "Enlace de Contraseña del Portal"],
    "Contact Name": ["Contact Name", "Nombre del Contacto", "User Name", "Nombre del Usuario"],
    "Contact First Name": ["Contact First Name", "Nombre de Pila del Contacto", "User First Name",
                           "Nombre de Pila del Usuario"],
    "Customer Name": ["Customer Name", "Nombre del Cliente", "Site Name", "Nombre del Sitio"],
    "Ticket ID": ["Ticket ID", "ID del Ticket", "Número de Ticket"],
    "Ticket Title": ["Ticket Title", "Título del Ticket"],
    "Ticket Status": ["Ticket Status", "Estado del Ticket"],
    "Support Address": ["Support Address", "Dirección de Soporte"],
    "My Tickets": ["My Tickets", "Mis Tickets"],
    "Company Tickets": ["Company Tickets", "Tickets de la Empresa"],
    "Portal Name": ["Portal Name", "Nombre del Portal"],
    "Customer Word": ["Customer Word", "Palabra de Cliente", "Site Word", "Palabra de Sitio"],
    "Contact Word": ["Contact Word", "Palabra de Contacto", "User Word", "Palabra de Usuario"],
    "Suggested Articles": ["Suggested Articles", "Artículos Sugeridos"],
    "Matching Articles": ["Matching Articles", "Artículos Encontrados"],
}
TRUSTED = ("Suggested Articles", "Matching Articles")
CANONICAL = {" ".join(n.casefold().split()): k for k, names in NAMES.items() for n in names}
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
problems = []


def problem(text):
    problems.append(text)


def snippet(name):
    key = " ".join(name.casefold().split())
    if key not in CANONICAL:
        sys.exit(f"unknown snippet {name!r} in the template")
    return CANONICAL[key]


def body_of(path):
    text = open(path, encoding="utf-8").read()
    if path.endswith(".html") and not text.lower().startswith("subject:"):
        return text
    return text.split("\n\n", 1)[1]


def text_pattern(tmpl, values):
    """The .tmpl's body as a regular expression: known values literally."""
    out, pos, seen = "", 0, set()
    for m in re.finditer(r"\{\[(.*?)\]\}", tmpl):
        out += re.escape(tmpl[pos:m.start()])
        s = snippet(m.group(1))
        group = s.replace(" ", "_")
        if s in seen:
            out += f"(?P={group})"
        elif s == "Portal Password":
            out += f"(?P<{group}>[!-~]{{14,}})"
        elif s == "Portal Password Link":
            out += f"(?P<{group}>https://[!-~]+)"
        elif s in ("My Tickets", "Company Tickets"):
            out += f"(?P<{group}>.+?)"
        else:
            out += f"(?P<{group}>{re.escape(values[s])})"
        seen.add(s)
        pos = m.end()
    return out + re.escape(tmpl[pos:])


class Parts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def parse(html):
    p = Parts()
    p.feed(html)
    p.close()
    return p


def main():
    mail_path, tmpl_path, html_path, values_path = sys.argv[1:5]
    values = json.load(open(values_path, encoding="utf-8"))
    with open(mail_path, "rb") as f:
        m = email.message_from_binary_file(f, policy=policy.default)
    if m.get_content_type() != "multipart/alternative":
        sys.exit(f"{mail_path}: {m.get_content_type()}, not multipart/alternative")
    parts = list(m.iter_parts())
    if len(parts) != 2:
        sys.exit(f"{mail_path}: {len(parts)} alternatives, not 2")
    plain, rich = parts
    if rich.get_content_type() == "multipart/related":
        rich = next(rich.iter_parts())
    if plain.get_content_type() != "text/plain" or rich.get_content_type() != "text/html":
        sys.exit(f"{mail_path}: {plain.get_content_type()} then {rich.get_content_type()}, "
                 "not text/plain then text/html")
    for part in (plain, rich):
        if part.get_content_charset() != "utf-8":
            problem(f"{part.get_content_type()}: charset {part.get_content_charset()}")
        if part["Content-Transfer-Encoding"] not in ("quoted-printable", "base64"):
            problem(f"{part.get_content_type()}: {part['Content-Transfer-Encoding']}")

    text = plain.get_content().replace("\r\n", "\n")
    tmpl = body_of(tmpl_path)
    got = re.fullmatch(text_pattern(tmpl, values), text, re.S)
    if got is None:
        problem(f"the text part is not {tmpl_path} expanded with the values:\n{text}")
        secrets = {}
    else:
        secrets = {k.replace("_", " "): v for k, v in got.groupdict().items()}

    html = rich.get_content()
    trusted = lambda m: (values.get(snippet(m.group(1)) + " (html)", m.group(0))
                         if snippet(m.group(1)) in TRUSTED else m.group(0))
    rendered = parse(html)
    template = parse(re.sub(r"\{\[(.*?)\]\}", trusted, body_of(html_path)))
    shape = lambda p: [(t, [a for a, _ in attrs]) for t, attrs in p.tags if t != "br"]
    if shape(rendered) != shape(template):
        problem("the HTML part's elements and attributes are not the template's")
    if BIDI.search(html):
        problem("a bidirectional control character in the HTML part")
    for tag, attrs in rendered.tags:
        if tag == "script":
            problem("a <script> element")
        for a, v in attrs:
            v = v or ""
            if a.startswith("on"):
                problem(f"an event handler {a}={v!r}")
            if a == "href" and v and not re.match(r"https?://[^\s\"'<>]+$", v):
                problem(f"a link to {v!r}")
            if a == "src" and not v.startswith("cid:"):
                problem(f"an image from {v!r}")
    shown = "".join(rendered.text)
    hrefs = [v for t, attrs in rendered.tags for a, v in attrs if a == "href"]
    html_tmpl = body_of(html_path)
    for s, v in values.items():
        if s not in NAMES:
            continue
        used = any(re.search(r"\{\[" + re.escape(n) + r"\]\}", html_tmpl, re.I) for n in NAMES[s])
        if used and BIDI.sub("", v) not in shown:
            problem(f"{s}: {v!r} does not show as text in the HTML part")
    for s, v in secrets.items():
        if s == "Portal Password" and v not in shown:
            problem("the text part's password is not the HTML part's")
        if s == "Portal Password Link" and v not in hrefs:
            problem("the text part's link is not the HTML part's button")
        if s in ("My Tickets", "Company Tickets"):
            for line in v.split("\n"):
                if BIDI.sub("", line) not in shown:
                    problem(f"{s}: the line {line!r} does not show as text in the HTML part")
    if problems:
        print(f"{mail_path} ({html_path}):")
        for p in problems:
            print("  " + p)
        sys.exit(1)


main()
