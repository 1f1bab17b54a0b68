#!/usr/bin/env python3
"""mail-gen.py DIR [N]: N messages (fixed seed) as a web application would
send them with Python's email package, in DIR/NNN.eml, and what each must
read as in DIR/expected.json: subjects, names and attachment names in
Russian, Greek, Japanese, Chinese, Spanish and German, long enough to be
split into several encoded words, some ending in a ticket tag; multiparts
with text after an image; bodies with bytes invalid in their charset."""
import email
import json
import os
import random
import sys
from email.message import EmailMessage
from email.policy import default

WORDS = {
    'ru': 'Счёт оплачен отчёт за март договор поставки срочно вопрос по заказу номер',
    'el': 'Τιμολόγιο πληρωμή αναφορά Μαρτίου σύμβαση παράδοσης επείγον ερώτηση παραγγελία',
    'ja': '請求書 お支払い 三月の報告書 契約 納品 至急 ご注文について 質問',
    'zh': '发票 已付款 三月报告 合同 交货 紧急 关于订单的问题 编号',
    'es': 'Factura pagada informe de marzo contrato entrega urgente pregunta sobre el pedido año',
    'de': 'Rechnung bezahlt Bericht für März Vertrag Lieferung dringend Frage zur Bestellung Größe',
}
NAMES = {
    'ru': ['Иван Петрович Сидоров', 'Мария Кузнецова'], 'el': ['Γιώργος Παπαδόπουλος', 'Ελένη Νικολάου'],
    'ja': ['山田 太郎', '佐藤 花子'], 'zh': ['王小明', '李华'],
    'es': ['José Ñúñez Peña', 'María Gómez'], 'de': ['Jürgen Weiß', 'Bärbel Müller'],
}
PNG = bytes.fromhex('89504e470d0a1a0a0000000d4948445200000001000000010806000000'
                    '1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082')

# Bodies with bytes that do not fit the declared charset, and what they read as.
BAD_BODIES = [
    ('utf-8', b'sesi\xf3n caducada\n', 'sesi\ufffdn caducada\n'),
    ('us-ascii', b'Envoy\xe9 par Bell Mobilit\xe9\n', 'Envoyé par Bell Mobilité\n'),
    ('us-ascii', 'Größe: 42 – ok\n'.encode('utf-8'), 'Größe: 42 – ok\n'),
    ('iso-8859-1', b'en dash \x96 and \xe9t\xe9\n', 'en dash – and été\n'),
    ('iso-2022-jp', '至急ご確認ください\n'.encode('utf-8'), '至急ご確認ください\n'),
    ('utf-8', b'null \x00 byte, then more text\n', 'null \ufffd byte, then more text\n'),
]


def phrase(rng, lang, n):
    words = WORDS[lang].split()
    sep = '' if lang in ('ja', 'zh') else ' '
    return sep.join(rng.choice(words) for _ in range(n))


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 120
    rng = random.Random(20261203)
    os.makedirs(out, exist_ok=True)
    expected = {}
    langs = sorted(WORDS)
    for i in range(count):
        lang = langs[i % len(langs)]
        subject = phrase(rng, lang, rng.randint(6, 14))
        if i % 3 == 0:
            subject = 'RE: ' + subject + ' [#%d]' % (i + 1)
        name = rng.choice(NAMES[lang])
        fname = phrase(rng, lang, rng.randint(3, 6)) + '.pdf'
        m = EmailMessage(policy=default)
        m['From'] = '%s <user%d@example.org>' % (name, i)
        m['To'] = 'support@helpdesk.example'
        m['Subject'] = subject
        m['Message-ID'] = '<gen%d@example.org>' % i
        kind = i % 4
        atts = []
        if kind == 0:
            body = phrase(rng, lang, 20) + '\n'
            m.set_content(body)
        elif kind == 1:
            # text, screenshot, text, as a phone sends it
            first, second = phrase(rng, lang, 8) + '\n', phrase(rng, lang, 8) + '\n'
            m.make_mixed()
            for text in (first,):
                p = EmailMessage(policy=default)
                p.set_content(text)
                m.attach(p)
            img = EmailMessage(policy=default)
            img.set_content(PNG, maintype='image', subtype='png', disposition='inline', filename='shot.png')
            m.attach(img)
            p = EmailMessage(policy=default)
            p.set_content(second)
            m.attach(p)
            body = first + second
            atts.append(['shot.png', len(PNG)])
        elif kind == 2:
            body = phrase(rng, lang, 10) + '\n'
            m.set_content(body)
            data = bytes(rng.getrandbits(8) for _ in range(rng.randint(10, 3000)))
            m.add_attachment(data, maintype='application', subtype='pdf', filename=fname)
            atts.append([fname, len(data)])
        else:
            charset, raw, body = BAD_BODIES[(i // 4) % len(BAD_BODIES)]
            m.set_content('x\n', cte='8bit')
            m.set_param('charset', charset)
        data = m.as_bytes(policy=default.clone(linesep='\r\n'))
        if kind == 3:
            # as_bytes would re-encode the payload: put the raw bytes back.
            head, _, _ = data.partition(b'\r\n\r\n')
            data = head + b'\r\n\r\n' + raw.replace(b'\n', b'\r\n')
        # Python 3.11's folder can drop the space where it splits a line
        # between two encoded words: the bytes then hold no space, and
        # what they say is what must be read.
        subject = ' '.join(str(email.message_from_bytes(data, policy=default)['subject']).split())
        with open(os.path.join(out, '%03d.eml' % i), 'wb') as f:
            f.write(data)
        expected['%03d.eml' % i] = {'subject': subject, 'from_name': name, 'body': body,
                                    'attachments': sorted(atts), 'tag': i + 1 if i % 3 == 0 else 0}
    with open(os.path.join(out, 'expected.json'), 'w', encoding='utf-8') as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)


main()
