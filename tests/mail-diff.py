#!/usr/bin/env python3
"""mail-diff.py DB CORPUS_DIR [KNOWN]: compare what portero stored for every
message of CORPUS_DIR (delivered with --queue-id FILE-NAME) with what
Python's email package (policy=default) reads in it: subject, sender name
and address, body text, attachment names and sizes.

Prints one line per difference: FILE FIELD portero=... python=...
A difference listed in KNOWN (lines "FILE FIELD  # reason") is expected;
the exit status is 1 when there is any other difference, or when a listed
one is gone (so the list stays true)."""
import email
import email.policy
import os
import re
import sqlite3
import sys


def clean(s):
    """What portero makes of a header line: white space runs one space, trimmed."""
    return re.sub(r'[\s\x00-\x1f\x7f]+', ' ', s or '').strip()


def text_of(part):
    try:
        t = part.get_content()
    except Exception:
        payload = part.get_payload(decode=True) or b''
        t = payload.decode(part.get_content_charset() or 'us-ascii', 'replace')
    if isinstance(t, bytes):
        t = t.decode('utf-8', 'replace')
    return t


def is_attachment(part):
    return part.get_content_disposition() == 'attachment' or part.get_filename() is not None


def texts(part, shown=True):
    """Inline text/plain parts in order, a multipart/alternative's plain one."""
    out = []
    if part.get_content_maintype() == 'message':
        return out  # an enclosed message or report is an attachment
    if part.is_multipart():
        kids = part.get_payload()
        if not isinstance(kids, list):
            return out
        pick = None
        if part.get_content_subtype() == 'alternative':
            for i, k in enumerate(kids):
                if any(p.get_content_type() == 'text/plain' and not is_attachment(p) for p in k.walk()):
                    pick = i
                    break
        for i, k in enumerate(kids):
            out += texts(k, shown and (pick is None or pick == i))
        return out
    if shown and part.get_content_maintype() == 'text' and part.get_content_subtype() == 'plain' \
            and not is_attachment(part):
        out.append(text_of(part))
    return out


def attachments(msg):
    out = []
    def visit(part):
        if part.get_content_maintype() == 'message':
            return  # portero names enclosed messages and reports by their subject and serialised size
        if part.is_multipart():
            kids = part.get_payload()
            for k in kids if isinstance(kids, list) else []:
                visit(k)
            return
        if part.get_content_maintype() == 'text' and not is_attachment(part):
            return
        name = part.get_filename() or ''
        payload = part.get_payload(decode=True) or b''
        out.append((clean(str(name)), len(payload)))
    visit(msg)
    return out


def body_norm(s):
    s = s.replace('\r\n', '\n').replace('\r', '\n').replace('\x00', '\ufffd')
    s = '\n'.join(line.rstrip() for line in s.strip().split('\n'))
    # Parsers differ on whose line break ends a part (the part's or the
    # boundary's): blank-line runs count as one.
    return re.sub(r'\n{3,}', '\n\n', s)


def python_reading(data):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    r = {}
    try:
        r['subject'] = clean(str(msg['subject'] or ''))
    except Exception as e:
        r['subject'] = '(error %s)' % type(e).__name__
    try:
        addrs = msg['from'].addresses if msg['from'] is not None else ()
        a = next((a for a in addrs if a.addr_spec and '@' in a.addr_spec), None)
        r['from_addr'] = a.addr_spec.lower() if a else ''
        r['from_name'] = clean(a.display_name) if a else ''
    except Exception as e:
        r['from_addr'] = r['from_name'] = '(error %s)' % type(e).__name__
    try:
        r['body'] = body_norm('\n'.join(t if t.endswith('\n') or not t else t + '\n' for t in texts(msg)))
    except Exception as e:
        r['body'] = '(error %s)' % type(e).__name__
    try:
        r['attachments'] = sorted(attachments(msg))
    except Exception as e:
        r['attachments'] = '(error %s)' % type(e).__name__
    return r


def portero_reading(db, name):
    row = db.execute("SELECT id, subject, from_addr, from_name, body FROM messages WHERE queue_id = ? AND kind = 'mail'",
                     (name,)).fetchone()
    if row is None:
        return None
    atts = db.execute("SELECT name, size FROM attachments WHERE message_id = ? AND type NOT LIKE 'message/%'",
                      (row[0],)).fetchall()
    return {'subject': row[1], 'from_addr': row[2], 'from_name': row[3], 'body': body_norm(row[4]),
            'attachments': sorted((n, s) for n, s in atts)}


def has_html(data):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    return any(p.get_content_type() == 'text/html' for p in msg.walk())


def main():
    db = sqlite3.connect(sys.argv[1])
    corpus = sys.argv[2]
    known = {}
    if len(sys.argv) > 3:
        for line in open(sys.argv[3], encoding='utf-8'):
            line = line.split('#', 1)[0].split()
            if len(line) >= 2:
                known[(line[0], line[1])] = False
    new = 0
    for f in sorted(os.listdir(corpus)):
        if not f.endswith('.eml'):
            continue
        data = open(os.path.join(corpus, f), 'rb').read()
        mine = portero_reading(db, f)
        if mine is None:
            continue  # refused (65) or a duplicate: T040 checks those
        theirs = python_reading(data)
        for field in ('subject', 'from_addr', 'from_name', 'body', 'attachments'):
            if field == 'attachments':
                # message/rfc822 parts are named differently by design
                theirs_v = [a for a in theirs[field]] if isinstance(theirs[field], list) else theirs[field]
            else:
                theirs_v = theirs[field]
            if mine[field] == theirs_v:
                continue
            # Deliberate: with no plain text, portero shows the HTML as text,
            # which Python's package does not do.
            if field == 'body' and theirs_v == '' and has_html(data):
                continue
            if (f, field) in known or (f, '*') in known:
                known[(f, field) if (f, field) in known else (f, '*')] = True
                continue
            new += 1
            print('%s %s\n  portero=%r\n  python =%r' % (f, field, str(mine[field])[:300], str(theirs_v)[:300]))
    gone = [k for k, seen in known.items() if not seen]
    for f, field in gone:
        print('%s %s: listed as a known difference, but there is none now' % (f, field))
    print('%d new differences, %d known, %d listed but gone' % (new, sum(known.values()), len(gone)))
    return 1 if new or gone else 0


sys.exit(main())
