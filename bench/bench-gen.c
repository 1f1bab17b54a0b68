/* NAME
 *	bench-gen - the benchmark's population, its support mail and rule files
 * SUMMARY
 *	bench-gen prefill STATE-DIR TICKETS
 *	bench-gen mail STATE-DIR CASE COUNT SEED OUT-DIR [SIZE [FIRST]]
 *	bench-gen rules OUT-DIR COUNT
 *	bench-gen version
 * DESCRIPTION
 *	One deterministic model of a helpdesk's customers, their mail domains,
 *	contacts and tickets, used twice: `prefill` writes it into the database
 *	of STATE-DIR (made by `portero init`) through the public functions of
 *	src/store.h only, in big transactions; `mail` writes COUNT messages of
 *	CASE (reply, new-ticket, new-contact, welcome, credentials) into
 *	OUT-DIR, addressed to that population, with a list.tsv that bench-drive
 *	reads and run-bench.sh checks the outcome against. SIZE (bytes) makes
 *	every message about that big; 0 or none gives the realistic mix (2-50 KB
 *	of text, some HTML alternatives and attachments). FIRST numbers the
 *	run's first never-seen sender (new-contact, welcome) or reserved contact
 *	(credentials): run-bench.sh counts them on, so that no sender repeats
 *	within a state and the limits of portero.conf(5) never refuse one.
 *
 *	Scale 0 holds only the working set the cases need: 300 sender domains
 *	(240 of them mapped to customers, 60 not, free mail among them), 2 000
 *	contacts and 1 000 tickets to reply to, and 15 000 contacts reserved for
 *	the credentials case (one a message). Any other scale adds customers up
 *	to 10 000 (one domain each), contacts up to 100 000 and tickets up to
 *	TICKETS, each ticket with its first message and a quarter of them with
 *	a second one. Replies go to tickets drawn from the whole range.
 *
 *	`rules` writes COUNT automation rule files (portero-rules(5)) of the kind
 *	a helpdesk accumulates: escalations for customers and keywords, routing
 *	by destination, sender or domain, notices to teams, on every trigger,
 *	with conditions on title, body, sender and customer and every operator.
 *	None of them fires for the bench's mail: each is evaluated by portero's
 *	own rule code against samples of every case's mail before it is kept.
 */
#include "../src/error.h"
#include "../src/keys.h"
#include "../src/msgid.h"
#include "../src/rules.h"
#include "../src/store.h"
#include <errno.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bump when the model changes: cached databases are keyed by it. */
#define MODEL_VERSION 2

#define W_DOMAINS 300        /* sender domains of the working set */
#define W_MAPPED 240         /* the first ones belong to customers */
#define W_CONTACTS 2000
#define W_TICKETS 1000
#define BULK_CUSTOMERS 10000
#define BULK_CONTACTS 100000
#define NEW_CONTACT_BASE G_GINT64_CONSTANT (10000000) /* indexes of never-seen senders */
/* Never-seen senders share the working domains while each domain stays
 * under new-contacts-per-domain-hour (default 20) within a state; later ones
 * write from domains never seen either (small companies: Unassigned). */
#define NEW_PER_DOMAIN 19
#define FRESH_DOMAIN_BASE G_GINT64_CONSTANT (1000000000) /* domain numbers seen once */
/* Known contacts only the credentials case writes as, one a message, so that
 * no per-contact limit of credential mail refuses one: at every scale. */
#define CRED_CONTACT_BASE G_GINT64_CONSTANT (5000000)
#define CRED_CONTACTS 15000
#define BATCH 20000          /* rows a transaction while pre-filling */
#define HELPDESK "helpdesk.example"

/* ---- deterministic numbers ---------------------------------------------- */

static guint64
mix (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return x ^ (x >> 31);
}

typedef struct {
  guint64 s;
} Rng;

static void
rng_seed (Rng *r, guint64 a, guint64 b)
{
  r->s = mix (a * G_GUINT64_CONSTANT (1000003) + mix (b));
}

static guint64
rng_next (Rng *r)
{
  r->s += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  guint64 z = r->s;
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static guint64
rng_below (Rng *r, guint64 n)
{
  return n ? rng_next (r) % n : 0;
}

static gboolean
rng_chance (Rng *r, int percent)
{
  return (int) rng_below (r, 100) < percent;
}

static void
rng_fill (Rng *r, guint8 *buf, gsize len)
{
  gsize i = 0;
  for (; i + 8 <= len; i += 8)
    {
      guint64 v = rng_next (r);
      memcpy (buf + i, &v, 8);
    }
  guint64 v = rng_next (r);
  memcpy (buf + i, &v, len - i);
}

/* ---- the population ------------------------------------------------------ */

typedef struct {
  gint64 scale;
  gint64 tickets, contacts, customers;
} Model;

static void
model_init (Model *m, gint64 scale)
{
  m->scale = scale;
  m->tickets = MAX (scale, W_TICKETS);
  m->contacts = scale > 0 ? BULK_CONTACTS : W_CONTACTS;
  m->customers = scale > 0 ? BULK_CUSTOMERS : W_MAPPED;
}

static gint64
model_domains (const Model *m)
{
  return W_DOMAINS + (m->customers - W_MAPPED);
}

static const char *const word1[] = {
  "talleres", "grupo", "clinica", "asesoria", "logistica", "hotel", "farmacia", "colegio",
  "ingenieria", "construcciones", "transportes", "distribuciones", "consultora", "gestoria",
  "bodegas", "inmobiliaria", "acme", "northwind", "contoso", "fabrikam",
};
static const char *const word2[] = {
  "ruiz", "iberica", "andes", "pacifico", "norte", "levante", "sur", "atlantico", "central",
  "delta", "sierra", "valle", "mar", "sol", "global", "digital", "abogados", "dental", "express",
  "partners",
};
static const char *const tlds[] = { "es", "com", "mx", "com.ar", "cl", "co", "net", "eu", "pe", "com.co" };
static const char *const free_mail[] = {
  "gmail.com", "hotmail.com", "outlook.com", "yahoo.es", "hotmail.es", "icloud.com",
  "telefonica.net", "gmx.es", "protonmail.com", "live.com",
};

/* Mail domain number D: working ones first (mapped, then free mail and
 * small unmapped companies), then one per bulk customer; from
 * FRESH_DOMAIN_BASE on, domains that write once. */
static char *
domain_name (gint64 d)
{
  const char *tld = tlds[mix (d) % G_N_ELEMENTS (tlds)];
  if (d >= FRESH_DOMAIN_BASE)
    return g_strdup_printf ("%s-%s-%" G_GINT64_FORMAT ".%s", word1[d % 20], word2[(d / 20) % 20],
                            d - FRESH_DOMAIN_BASE, tld);
  if (d < W_MAPPED)
    return g_strdup_printf ("%s-%s.%s", word1[d % 20], word2[(d / 20) % 20], tld);
  if (d < W_MAPPED + (gint64) G_N_ELEMENTS (free_mail))
    return g_strdup (free_mail[d - W_MAPPED]);
  if (d < W_DOMAINS)
    return g_strdup_printf ("%s%s.%s", word1[d % 20], word2[(d / 20) % 20], tld);
  return g_strdup_printf ("%s%s%" G_GINT64_FORMAT ".%s", word1[d % 20], word2[(d / 20) % 20], d, tld);
}

/* The customer (0-based) that owns domain D, or -1 for none. */
static gint64
domain_customer (gint64 d)
{
  if (d < W_MAPPED)
    return d;
  if (d < W_DOMAINS || d >= FRESH_DOMAIN_BASE)
    return -1;
  return W_MAPPED + (d - W_DOMAINS);
}

static char *
customer_name (gint64 c)
{
  gint64 d = c < W_MAPPED ? c : W_DOMAINS + (c - W_MAPPED);
  const char *a = word1[d % 20], *b = word2[(d / 20) % 20];
  const char *form = (mix (c) & 1) ? "S.L." : "S.A.";
  if (c < W_MAPPED)
    return g_strdup_printf ("%c%s %c%s, %s", g_ascii_toupper (a[0]), a + 1, g_ascii_toupper (b[0]), b + 1, form);
  return g_strdup_printf ("%c%s %c%s %" G_GINT64_FORMAT ", %s", g_ascii_toupper (a[0]), a + 1,
                          g_ascii_toupper (b[0]), b + 1, c, form);
}

static const char *const first_ascii[] = {
  "maria", "jose", "antonio", "carmen", "juan", "ana", "francisco", "laura", "david", "lucia",
  "javier", "marta", "carlos", "elena", "miguel", "sara", "pablo", "paula", "jorge", "cristina",
  "john", "mary", "james", "linda", "robert", "susan", "michael", "karen", "william", "emma",
  "andres", "sofia", "diego", "valentina", "luis", "camila", "fernando", "isabel", "raul", "nuria",
};
static const char *const first_shown[] = {
  "María", "José", "Antonio", "Carmen", "Juan", "Ana", "Francisco", "Laura", "David", "Lucía",
  "Javier", "Marta", "Carlos", "Elena", "Miguel", "Sara", "Pablo", "Paula", "Jorge", "Cristina",
  "John", "Mary", "James", "Linda", "Robert", "Susan", "Michael", "Karen", "William", "Emma",
  "Andrés", "Sofía", "Diego", "Valentina", "Luis", "Camila", "Fernando", "Isabel", "Raúl", "Núria",
};
static const char *const last_ascii[] = {
  "garcia", "fernandez", "gonzalez", "rodriguez", "lopez", "martinez", "sanchez", "perez", "gomez",
  "martin", "jimenez", "ruiz", "hernandez", "diaz", "moreno", "munoz", "alvarez", "romero", "alonso",
  "gutierrez", "navarro", "torres", "dominguez", "vazquez", "ramos", "gil", "ramirez", "serrano",
  "blanco", "molina", "smith", "johnson", "brown", "taylor", "wilson", "castro", "ortiz", "rubio",
  "marin", "sanz",
};
static const char *const last_shown[] = {
  "García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez",
  "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Alonso",
  "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez", "Serrano",
  "Blanco", "Molina", "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Castro", "Ortiz", "Rubio",
  "Marín", "Sanz",
};

typedef struct {
  char *address;
  char *name;
  gint64 domain;
} Person;

static void
person_clear (Person *p)
{
  g_free (p->address);
  g_free (p->name);
}

/* Contact K (known for K < contacts and for the reserved credential
 * contacts, never seen from NEW_CONTACT_BASE on). The address is a
 * one-to-one function of K. */
static void
person (const Model *m, gint64 k, Person *out)
{
  int f = k % 40, l = (k / 40) % 40, style = (k / 1600) % 3;
  gint64 n = k / 4800;
  if (k >= NEW_CONTACT_BASE)
    {
      gint64 j = k - NEW_CONTACT_BASE;
      out->domain = j < W_DOMAINS * NEW_PER_DOMAIN ? j % W_DOMAINS : FRESH_DOMAIN_BASE + j;
    }
  else if (k < W_CONTACTS || k >= CRED_CONTACT_BASE)
    out->domain = k % W_DOMAINS;
  else
    out->domain = W_DOMAINS + (gint64) (mix (k) % (guint64) (m->customers - W_MAPPED));
  g_autofree char *domain = domain_name (out->domain);
  g_autofree char *num = n > 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, n) : g_strdup ("");
  if (style == 0)
    out->address = g_strdup_printf ("%s.%s%s@%s", first_ascii[f], last_ascii[l], num, domain);
  else if (style == 1)
    out->address = g_strdup_printf ("%s.%s%s@%s", last_ascii[l], first_ascii[f], num, domain);
  else
    out->address = g_strdup_printf ("%s_%s%s@%s", first_ascii[f], last_ascii[l], num, domain);
  out->name = g_strdup_printf ("%s %s", first_shown[f], last_shown[l]);
}

typedef struct {
  const char *text;
  gboolean es;
} Subject;

static const Subject subjects[] = {
  { "No puedo acceder al portal de clientes", TRUE },
  { "Error al imprimir desde la impresora de la oficina", TRUE },
  { "Solicitud de credenciales del portal", TRUE },
  { "La VPN se desconecta cada pocos minutos", TRUE },
  { "¿Podéis revisar la factura de noviembre?", TRUE },
  { "Problema con el correo: no recibo mensajes", TRUE },
  { "Contraseña caducada, ¿cómo la cambio?", TRUE },
  { "Alta de un nuevo empleado en el sistema de nóminas", TRUE },
  { "El ordenador de recepción va muy lento", TRUE },
  { "Copia de seguridad fallida anoche", TRUE },
  { "Configuración del móvil para el correo", TRUE },
  { "Petición: instalar programa de diseño", TRUE },
  { "Avería en la centralita telefónica", TRUE },
  { "No funciona el escáner de la segunda planta", TRUE },
  { "Acceso remoto para el técnico de mantenimiento", TRUE },
  { "Urgente: servidor de ficheros sin conexión", TRUE },
  { "Duda sobre la renovación de licencias", TRUE },
  { "Pantalla azul al arrancar el portátil", TRUE },
  { "Baja de usuario: María José Núñez", TRUE },
  { "[Credenciales del Portal]", TRUE },
  { "Cannot log in to the customer portal", FALSE },
  { "Printer on the 2nd floor shows a paper jam", FALSE },
  { "Request for portal credentials", FALSE },
  { "VPN keeps disconnecting", FALSE },
  { "Email not syncing on my phone", FALSE },
  { "Password expired – how do I reset it?", FALSE },
  { "New starter: laptop and accounts needed", FALSE },
  { "Backup job failed last night", FALSE },
  { "Outlook crashes when opening attachments", FALSE },
  { "Shared drive is read-only since this morning", FALSE },
  { "Badge reader at the entrance rejects cards", FALSE },
  { "Quote request: 5 new workstations for the Málaga office", FALSE },
};

static const char *const sentences_es[] = {
  "Buenos días, os escribo porque desde esta mañana no podemos trabajar con normalidad.",
  "He reiniciado el equipo dos veces y el problema sigue igual.",
  "Adjunto una captura de pantalla con el mensaje de error que aparece.",
  "¿Podríais revisarlo cuanto antes? Tenemos una entrega importante el viernes.",
  "El problema afecta a tres compañeros del departamento de administración.",
  "Hemos comprobado el cableado y las luces del router parecen normales.",
  "La última vez que ocurrió algo parecido lo solucionasteis cambiando la configuración del proxy.",
  "Necesitaríamos también que dierais de alta a una nueva compañera en el sistema de nóminas.",
  "Os agradecería que me confirmarais cuándo podrá pasar un técnico por la oficina.",
  "Por cierto, la impresora de recepción vuelve a atascarse con el papel reciclado.",
  "No sé si tiene relación, pero ayer se cortó la luz durante unos minutos.",
  "El número de serie del equipo es el que aparece en la etiqueta de la parte inferior.",
  "Si necesitáis acceso remoto, estaré disponible hasta las seis y media.",
  "Según el aviso, la contraseña caduca en tres días y no encuentro la opción para cambiarla.",
  "Muchas gracias por la rápida respuesta; ya funciona todo correctamente.",
  "Quedo a la espera de vuestras noticias.",
};
static const char *const sentences_en[] = {
  "Hi team, since this morning we cannot work normally.",
  "I restarted the computer twice and the problem is still there.",
  "Please find attached a screenshot of the error message.",
  "Could you have a look as soon as possible? We have an important deadline on Friday.",
  "Three colleagues in accounting are affected as well.",
  "We checked the cables and the router lights look normal.",
  "Last time something similar happened you fixed it by changing the proxy settings.",
  "We would also need an account for a new colleague who starts on Monday.",
  "Please let me know when a technician can come to the office.",
  "By the way, the reception printer keeps jamming with recycled paper.",
  "Not sure if it is related, but we had a short power cut yesterday.",
  "The serial number is on the sticker under the laptop.",
  "If you need remote access I will be available until 6:30 pm.",
  "The warning says my password expires in three days and I cannot find where to change it.",
  "Thanks a lot for the quick answer — everything works now.",
  "Looking forward to hearing from you.",
};

/* Ticket T (1-based): who asked, about what, with which Message-ID. */
static gint64
ticket_requester (const Model *m, gint64 t)
{
  if (t <= W_TICKETS)
    return (t - 1) % W_CONTACTS;
  return (gint64) (mix ((guint64) t ^ G_GUINT64_CONSTANT (0x5eed)) % (guint64) m->contacts);
}

static const Subject *
ticket_subject (gint64 t)
{
  return &subjects[mix ((guint64) t * 3) % G_N_ELEMENTS (subjects)];
}

/* The Message-ID (without <>) of ticket T's message N (0: the first). */
static char *
ticket_message_id (const Model *m, gint64 t, int n)
{
  Person p = { 0 };
  person (m, ticket_requester (m, t), &p);
  char *id = g_strdup_printf ("%016" G_GINT64_MODIFIER "x.%" G_GINT64_FORMAT ".%d@mail.%s",
                              mix ((guint64) t * 7 + n), t, n, strchr (p.address, '@') + 1);
  person_clear (&p);
  return id;
}

static gboolean
ticket_has_second (gint64 t)
{
  return mix ((guint64) t * 11) % 4 == 0;
}

/* ---- writing mail ---------------------------------------------------------- */

static const char *const wdays[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static char *
rfc5322_date (GDateTime *dt)
{
  int off = (int) (g_date_time_get_utc_offset (dt) / G_TIME_SPAN_MINUTE);
  return g_strdup_printf ("%s, %d %s %d %02d:%02d:%02d %c%02d%02d", wdays[g_date_time_get_day_of_week (dt) - 1],
                          g_date_time_get_day_of_month (dt), months[g_date_time_get_month (dt) - 1],
                          g_date_time_get_year (dt), g_date_time_get_hour (dt), g_date_time_get_minute (dt),
                          g_date_time_get_second (dt), off < 0 ? '-' : '+', ABS (off) / 60, ABS (off) % 60);
}

static gboolean
is_ascii (const char *s)
{
  for (; *s; s++)
    if ((guchar) *s >= 0x80)
      return FALSE;
  return TRUE;
}

/* Length of the UTF-8 (or single-byte) character at P. */
static gsize
char_len (const char *p, gboolean utf8)
{
  if (!utf8)
    return 1;
  return g_utf8_skip[*(const guchar *) p];
}

/* TEXT as RFC 2047 encoded words of at most 75 characters, folded. */
static void
append_encoded (GString *out, const char *text, Rng *r)
{
  int kind = (int) rng_below (r, 100);
  const char *charset = "UTF-8";
  g_autofree char *latin = NULL;
  const char *src = text;
  if (kind >= 80)
    {
      latin = g_convert (text, -1, "ISO-8859-1", "UTF-8", NULL, NULL, NULL);
      if (latin != NULL)
        {
          src = latin;
          charset = "ISO-8859-1";
        }
    }
  gboolean utf8 = latin == NULL;
  gboolean b64 = kind >= 45 && kind < 80;
  gboolean first = TRUE;
  const char *p = src;
  while (*p)
    {
      if (!first)
        g_string_append (out, "\n ");
      first = FALSE;
      g_string_append_printf (out, "=?%s?%c?", charset, b64 ? 'B' : 'Q');
      gsize budget = 75 - strlen (charset) - 7;
      if (b64)
        {
          gsize n = 0, max = budget / 4 * 3;
          while (p[n] && n + char_len (p + n, utf8) <= max)
            n += char_len (p + n, utf8);
          g_autofree char *enc = g_base64_encode ((const guchar *) p, n);
          g_string_append (out, enc);
          p += n;
        }
      else
        {
          gsize used = 0;
          while (*p)
            {
              gsize n = char_len (p, utf8);
              char piece[32];
              gsize len = 0;
              for (gsize i = 0; i < n; i++)
                {
                  guchar c = (guchar) p[i];
                  if (c == ' ')
                    piece[len++] = '_';
                  else if (g_ascii_isalnum (c) || strchr ("!*+-/", c))
                    piece[len++] = (char) c;
                  else
                    len += (gsize) g_snprintf (piece + len, sizeof piece - len, "=%02X", c);
                }
              if (used + len > budget)
                break;
              g_string_append_len (out, piece, len);
              used += len;
              p += n;
            }
        }
      g_string_append (out, "?=");
    }
}

/* A header value of human text: plain when ASCII (mostly), else encoded words. */
static void
append_text_header (GString *out, const char *name, const char *prefix, const char *text, Rng *r)
{
  g_string_append_printf (out, "%s: %s", name, prefix);
  if (is_ascii (text) && !rng_chance (r, 10))
    g_string_append (out, text);
  else
    append_encoded (out, text, r);
  g_string_append_c (out, '\n');
}

static void
append_mailbox_header (GString *out, const char *name, const Person *p, Rng *r)
{
  g_string_append_printf (out, "%s: ", name);
  if (is_ascii (p->name))
    g_string_append_printf (out, "\"%s\"", p->name);
  else
    append_encoded (out, p->name, r);
  g_string_append_printf (out, " <%s>\n", p->address);
}

/* Quoted-printable of TEXT (lines end in \n), 76 columns at most. */
static void
append_qp (GString *out, const char *text)
{
  gsize col = 0;
  for (const char *p = text; *p; p++)
    {
      guchar c = (guchar) *p;
      if (c == '\n')
        {
          g_string_append_c (out, '\n');
          col = 0;
          continue;
        }
      char piece[4];
      gsize len;
      gboolean at_eol = p[1] == '\n' || p[1] == '\0';
      if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol))
        {
          piece[0] = (char) c;
          len = 1;
        }
      else
        len = (gsize) g_snprintf (piece, sizeof piece, "=%02X", c);
      if (col + len > 75)
        {
          g_string_append (out, "=\n");
          col = 0;
        }
      g_string_append_len (out, piece, len);
      col += len;
    }
  if (col > 0)
    g_string_append_c (out, '\n');
}

static void
append_base64 (GString *out, const guint8 *data, gsize len)
{
  g_autofree char *enc = g_base64_encode (data, len);
  gsize n = strlen (enc);
  for (gsize i = 0; i < n; i += 76)
    {
      g_string_append_len (out, enc + i, MIN (76, n - i));
      g_string_append_c (out, '\n');
    }
}

/* About TARGET bytes of readable text in one language, in paragraphs. */
static char *
make_text (Rng *r, gboolean es, gsize target, const Person *signer, const char *company)
{
  const char *const *pool = es ? sentences_es : sentences_en;
  gsize npool = es ? G_N_ELEMENTS (sentences_es) : G_N_ELEMENTS (sentences_en);
  GString *s = g_string_new (es ? "Hola,\n\n" : "Hello,\n\n");
  gsize line = 0;
  while (s->len < target)
    {
      const char *sentence = pool[rng_below (r, npool)];
      if (line > 0 && line + strlen (sentence) > 72)
        {
          g_string_append_c (s, '\n');
          line = 0;
        }
      else if (line > 0)
        {
          g_string_append_c (s, ' ');
          line++;
        }
      g_string_append (s, sentence);
      line += strlen (sentence);
      if (rng_chance (r, 15))
        {
          g_string_append (s, "\n\n");
          line = 0;
        }
    }
  if (signer != NULL)
    g_string_append_printf (s, "\n\n-- \n%s\n%s\nTel. +34 91 %03d %02d %02d\n", signer->name,
                            company ? company : "", (int) rng_below (r, 1000), (int) rng_below (r, 100),
                            (int) rng_below (r, 100));
  else
    g_string_append_c (s, '\n');
  return g_string_free (s, FALSE);
}

static char *
make_html (const char *text)
{
  GString *h = g_string_new ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
                             "</head>\n<body><div style=\"font-family:Calibri,sans-serif;font-size:11pt\">\n<p>");
  for (const char *p = text; *p; p++)
    {
      if (*p == '\n' && p[1] == '\n')
        {
          g_string_append (h, "</p>\n<p>");
          p++;
        }
      else if (*p == '\n')
        g_string_append (h, "<br>\n");
      else if (*p == '<')
        g_string_append (h, "&lt;");
      else if (*p == '>')
        g_string_append (h, "&gt;");
      else if (*p == '&')
        g_string_append (h, "&amp;");
      else
        g_string_append_c (h, *p);
    }
  g_string_append (h, "</p>\n</div></body></html>\n");
  return g_string_free (h, FALSE);
}

typedef struct {
  const char *name;
  const char *type;
  const char *magic;
} AttachmentKind;

static const AttachmentKind attachment_kinds[] = {
  { "captura.png", "image/png", "\x89PNG\r\n\x1a\n" },
  { "Screenshot 2026-11-23 101512.png", "image/png", "\x89PNG\r\n\x1a\n" },
  { "factura_noviembre.pdf", "application/pdf", "%PDF-1.7\n" },
  { "Presupuesto Málaga.pdf", "application/pdf", "%PDF-1.4\n" },
  { "error.log", "text/plain", "" },
  { "IMG_2041.JPG", "image/jpeg", "\xff\xd8\xff\xe0" },
  { "informe.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "PK\x03\x04" },
};

static void
append_attachment (GString *out, const char *boundary, const AttachmentKind *kind, gsize size, Rng *r)
{
  g_string_append_printf (out, "--%s\nContent-Type: %s; name=\"%s\"\n", boundary, kind->type,
                          is_ascii (kind->name) ? kind->name : "Presupuesto =?UTF-8?Q?M=C3=A1laga?=.pdf");
  if (is_ascii (kind->name))
    g_string_append_printf (out, "Content-Disposition: attachment; filename=\"%s\"\n", kind->name);
  else
    g_string_append (out, "Content-Disposition: attachment;\n filename*=UTF-8''Presupuesto%20M%C3%A1laga.pdf\n");
  g_string_append (out, "Content-Transfer-Encoding: base64\n\n");
  guint8 *data = g_malloc (size + 8);
  if (strcmp (kind->type, "text/plain") == 0)
    for (gsize i = 0; i < size; i++)
      data[i] = (i % 64 == 63) ? '\n' : "0123456789 abcdefghij:ERROR WARN"[rng_below (r, 32)];
  else
    {
      rng_fill (r, data, size);
      memcpy (data, kind->magic, MIN (size, strlen (kind->magic)));
    }
  append_base64 (out, data, size);
  g_free (data);
}

static char *
boundary_new (Rng *r, int level)
{
  return g_strdup_printf ("----=_Part_%d_%08x.%016" G_GINT64_MODIFIER "x", level, (unsigned) rng_below (r, G_MAXUINT32),
                          rng_next (r));
}

typedef struct {
  const Model *model;
  const PorteroKeys *keys;   /* for signed Message-IDs; may be NULL */
  const char *kase;          /* "reply", "new-ticket", "new-contact", or NULL (pre-fill) */
  gint64 size;               /* 0: the realistic mix */
  Person from;
  const Subject *subject;
  char *message_id;          /* without <> */
  char *in_reply_to;         /* without <> */
  char *references;          /* with <>, space separated */
  gint64 tag;                /* [#N] in the subject, 0 none */
  gboolean reply;
  char *company;
  char *text;                /* the plain text as written, for pre-fill */
  GDateTime *date;
} Letter;

static void
letter_clear (Letter *l)
{
  person_clear (&l->from);
  g_free (l->message_id);
  g_free (l->in_reply_to);
  g_free (l->references);
  g_free (l->company);
  g_free (l->text);
  if (l->date)
    g_date_time_unref (l->date);
}

/* The whole message as Postfix's pipe(8) with flags=DORhu hands it over. */
static GString *
letter_render (Letter *l, Rng *r)
{
  GString *m = g_string_sized_new (l->size > 0 ? (gsize) l->size + 4096 : 16384);
  const char *support = l->subject->es ? "soporte@" HELPDESK : "help@" HELPDESK;
  const char *domain = strchr (l->from.address, '@') + 1;
  g_autofree char *date = rfc5322_date (l->date);
  gboolean small = l->size > 0 && l->size <= 4096;
  /* Pre-filled history is kept short, so that 1M tickets fit in a few GB. */
  gboolean terse = small || l->kase == NULL;
  unsigned ip = (unsigned) rng_below (r, 250) + 2;
  char qid[11];
  for (int i = 0; i < 10; i++)
    qid[i] = "0123456789BCDFGHJKLMNPQRSTVWXYZ"[rng_below (r, 31)];
  qid[10] = '\0';

  g_string_append_printf (m, "Return-Path: <%s>\nX-Original-To: %s\nDelivered-To: %s\n", l->from.address,
                          support, support);
  g_string_append_printf (m, "Received: from mail.%s (mail.%s [198.51.100.%u])\n\tby mx." HELPDESK
                          " (Postfix) with ESMTPS id %s\n\tfor <%s>; %s\n", domain, domain, ip, qid,
                          support, date);
  if (!terse)
    {
      g_string_append_printf (m, "Authentication-Results: mx." HELPDESK "; dkim=pass (2048-bit key)"
                              " header.d=%s header.i=@%s header.b=\"%c%c%c%c%c%c%c%c\";\n\tspf=pass"
                              " (mx." HELPDESK ": domain of %s designates 198.51.100.%u as permitted"
                              " sender) smtp.mailfrom=%s\n", domain, domain, 'a' + (int) rng_below (r, 26),
                              'A' + (int) rng_below (r, 26), 'b', 'Q', 'x', '9', 'z', 'K', l->from.address,
                              ip, l->from.address);
      g_string_append_printf (m, "Received: from PC-%04u.%s ([10.0.%u.%u]) by mail.%s with ESMTPSA"
                              " id %016" G_GINT64_MODIFIER "x\n\tfor <%s>; %s\n", (unsigned) rng_below (r, 9999),
                              domain, (unsigned) rng_below (r, 250), ip, domain, rng_next (r), support, date);
      guint8 sig[256];
      rng_fill (r, sig, sizeof sig);
      g_autofree char *b = g_base64_encode (sig, sizeof sig);
      guint8 bh[32];
      rng_fill (r, bh, sizeof bh);
      g_autofree char *bhs = g_base64_encode (bh, sizeof bh);
      g_string_append_printf (m, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=selector1;\n"
                              "\th=From:To:Subject:Date:Message-ID:MIME-Version:Content-Type;\n\tbh=%s;\n\tb=",
                              domain, bhs);
      for (gsize i = 0; i < strlen (b); i += 70)
        g_string_append_printf (m, "%s%.70s", i ? "\n\t  " : "", b + i);
      g_string_append_c (m, '\n');
    }
  append_mailbox_header (m, "From", &l->from, r);
  g_string_append_printf (m, "To: %s <%s>\n", l->subject->es ? "Soporte" : "Support", support);
  g_autofree char *prefix = NULL;
  if (l->reply && l->tag)
    prefix = g_strdup_printf ("%s [#%" G_GINT64_FORMAT "] ", rng_chance (r, 50) ? "Re:" : "RE:", l->tag);
  else if (l->reply)
    prefix = g_strdup (l->subject->es && rng_chance (r, 30) ? "RV: " : "Re: ");
  else
    prefix = g_strdup ("");
  append_text_header (m, "Subject", prefix, l->subject->text, r);
  g_string_append_printf (m, "Date: %s\nMessage-ID: <%s>\n", date, l->message_id);
  if (l->in_reply_to)
    g_string_append_printf (m, "In-Reply-To: <%s>\n", l->in_reply_to);
  if (l->references)
    g_string_append_printf (m, "References: %s\n", l->references);
  g_string_append (m, "MIME-Version: 1.0\n");
  if (!terse)
    g_string_append (m, rng_chance (r, 50) ? "User-Agent: Mozilla Thunderbird\n"
                                           : "X-Mailer: Microsoft Outlook 16.0\nThread-Index: AdnR4k2Y0l+q7\n");

  /* What goes below the header: the text, and maybe HTML and attachments. */
  gsize header_len = m->len;
  gsize text_target;
  gsize attach_size = 0;
  int shape; /* 0 plain, 1 alternative, 2 mixed with attachment */
  if (small)
    {
      text_target = l->size > (gint64) header_len + 200 ? (gsize) l->size - header_len - 120 : 80;
      shape = 0;
    }
  else if (l->size > 0)
    {
      text_target = 1500;
      shape = 2;
      gsize rest = l->size > (gint64) header_len + 4000 ? (gsize) l->size - header_len - 3000 : 1000;
      attach_size = rest / 77 * 76 * 3 / 4; /* base64 in 76-column lines */
    }
  else if (l->kase == NULL)
    {
      text_target = 200 + rng_below (r, 400);
      shape = 0;
    }
  else
    {
      /* 2-50 KB, more short ones than long ones (log-uniform). */
      text_target = (gsize) (2048.0 * pow (25.0, (double) rng_below (r, 10000) / 10000.0));
      int roll = (int) rng_below (r, 100);
      shape = roll < 45 ? 0 : roll < 80 ? 1 : 2;
      if (shape == 2)
        attach_size = (gsize) (8192.0 * pow (40.0, (double) rng_below (r, 10000) / 10000.0));
    }
  g_autofree char *text = make_text (r, l->subject->es, text_target, terse ? NULL : &l->from, l->company);
  if (l->reply && !terse)
    {
      GString *t = g_string_new (text);
      g_autofree char *when = rfc5322_date (l->date);
      g_string_append_printf (t, "\n%s %s, %s <%s> %s:\n", l->subject->es ? "El" : "On", when,
                              l->subject->es ? "Soporte" : "Support", support,
                              l->subject->es ? "escribió" : "wrote");
      g_autofree char *quoted = make_text (r, !l->subject->es, 600, NULL, NULL);
      g_auto (GStrv) lines = g_strsplit (quoted, "\n", -1);
      for (char **q = lines; *q; q++)
        g_string_append_printf (t, "> %s\n", *q);
      g_free (text);
      text = g_string_free (t, FALSE);
    }
  gboolean qp = !terse && rng_chance (r, 60);
  const char *cte = qp ? "quoted-printable" : is_ascii (text) ? "7bit" : "8bit";

  g_autofree char *outer = boundary_new (r, 0);
  g_autofree char *inner = boundary_new (r, 1);
  if (shape == 2)
    g_string_append_printf (m, "Content-Type: multipart/mixed;\n\tboundary=\"%s\"\n\n"
                            "This is a multi-part message in MIME format.\n--%s\n", outer, outer);
  if (shape >= 1 && (shape == 1 || rng_chance (r, 50)))
    {
      g_autofree char *html = make_html (text);
      g_string_append_printf (m, "Content-Type: multipart/alternative;\n\tboundary=\"%s\"\n\n--%s\n", inner, inner);
      g_string_append_printf (m, "Content-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: %s\n\n", cte);
      if (qp)
        append_qp (m, text);
      else
        g_string_append (m, text);
      g_string_append_printf (m, "\n--%s\nContent-Type: text/html; charset=\"utf-8\"\n"
                              "Content-Transfer-Encoding: quoted-printable\n\n", inner);
      append_qp (m, html);
      g_string_append_printf (m, "\n--%s--\n", inner);
    }
  else
    {
      g_string_append_printf (m, "Content-Type: text/plain; charset=utf-8; format=flowed\n"
                              "Content-Transfer-Encoding: %s\n\n", cte);
      if (qp)
        append_qp (m, text);
      else
        g_string_append (m, text);
    }
  if (shape == 2)
    {
      g_string_append_c (m, '\n');
      const AttachmentKind *kind = &attachment_kinds[rng_below (r, G_N_ELEMENTS (attachment_kinds))];
      if (l->size > 0)
        kind = &attachment_kinds[2];
      append_attachment (m, outer, kind, attach_size, r);
      g_string_append_printf (m, "--%s--\n", outer);
    }
  l->text = g_steal_pointer (&text);
  return m;
}

/* ---- prefill ------------------------------------------------------------- */

static gboolean
batch_boundary (PorteroStore *store, gint64 *ops, GError **error)
{
  if (++*ops % BATCH != 0)
    return TRUE;
  /* portero checkpoints only when a process closes the database: one
   * process writing a million tickets would grow the log to several times
   * the database (10 GB); emptied at each batch, it stays one batch long. */
  return portero_store_commit (store, error) && portero_store_checkpoint (store, error)
         && portero_store_begin (store, error);
}

static void
progress (const char *what, gint64 done, gint64 total, gint64 started)
{
  double s = (double) (g_get_monotonic_time () - started) / G_USEC_PER_SEC;
  fprintf (stderr, "bench-gen: %-9s %9" G_GINT64_FORMAT " / %-9" G_GINT64_FORMAT " %6.1f s\n", what, done,
           total, s);
}

/* STATE-DIR/bench.info: what `mail` needs to address the population. */
static gboolean
write_info (const char *dir, const Model *m, gint64 messages, GError **error)
{
  g_autoptr (GKeyFile) info = g_key_file_new ();
  g_key_file_set_integer (info, "bench", "model", MODEL_VERSION);
  g_key_file_set_int64 (info, "bench", "scale", m->scale);
  g_key_file_set_int64 (info, "bench", "tickets", m->tickets);
  g_key_file_set_int64 (info, "bench", "contacts", m->contacts);
  g_key_file_set_int64 (info, "bench", "credential-contacts", CRED_CONTACTS);
  g_key_file_set_int64 (info, "bench", "customers", m->customers);
  g_key_file_set_int64 (info, "bench", "messages", messages);
  g_autofree char *info_path = g_build_filename (dir, "bench.info", NULL);
  return g_key_file_save_to_file (info, info_path, error);
}

static gboolean
prefill (const char *dir, gint64 scale, GError **error)
{
  Model m;
  model_init (&m, scale);
  g_autofree char *db = g_build_filename (dir, "portero.db", NULL);
  g_autoptr (PorteroStore) store = portero_store_open (db, PORTERO_STORE_WRITE, 60, error);
  if (store == NULL)
    return FALSE;
  gint64 started = g_get_monotonic_time ();
  gint64 ops = 0, unassigned = 0;
  g_autofree gint64 *customer_id = g_new0 (gint64, m.customers);
  g_autofree gint64 *contact_id = g_new0 (gint64, m.contacts);
  g_autofree gint64 *contact_customer = g_new0 (gint64, m.contacts);
  gint64 messages = 0;
  /* Declared before the first goto: cleanup must never see an unset pointer. */
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  if (!portero_store_customer_default (store, &unassigned, error) || !portero_store_begin (store, error))
    return FALSE;
  for (gint64 c = 0; c < m.customers; c++)
    {
      g_autofree char *name = customer_name (c);
      if (!portero_store_customer_add (store, name, &customer_id[c], error) || !batch_boundary (store, &ops, error))
        goto fail;
    }
  for (gint64 d = 0; d < model_domains (&m); d++)
    {
      gint64 c = domain_customer (d);
      if (c < 0)
        continue;
      g_autofree char *domain = domain_name (d);
      if (!portero_store_domain_add (store, customer_id[c], domain, error) || !batch_boundary (store, &ops, error))
        goto fail;
    }
  progress ("customers", m.customers, m.customers, started);
  for (gint64 k = 0; k < m.contacts; k++)
    {
      Person p = { 0 };
      person (&m, k, &p);
      gint64 c = domain_customer (p.domain);
      contact_customer[k] = c < 0 ? unassigned : customer_id[c];
      /* Not "email": those count against new-contacts-per-domain-hour, and
       * the pre-fill creates them all within the hour. */
      gboolean ok = portero_store_contact_add (store, p.address, p.name, contact_customer[k],
                                               k % 10 == 0 ? "manual" : "csv", &contact_id[k], error);
      person_clear (&p);
      if (!ok || !batch_boundary (store, &ops, error))
        goto fail;
    }
  for (gint64 k = CRED_CONTACT_BASE; k < CRED_CONTACT_BASE + CRED_CONTACTS; k++)
    {
      Person p = { 0 };
      person (&m, k, &p);
      gint64 c = domain_customer (p.domain), id = 0;
      gboolean ok = portero_store_contact_add (store, p.address, p.name, c < 0 ? unassigned : customer_id[c], "csv",
                                               &id, error);
      person_clear (&p);
      if (!ok || !batch_boundary (store, &ops, error))
        goto fail;
    }
  progress ("contacts", m.contacts + CRED_CONTACTS, m.contacts + CRED_CONTACTS, started);

  for (gint64 t = 1; t <= m.tickets; t++)
    {
      gint64 k = ticket_requester (&m, t);
      const Subject *subject = ticket_subject (t);
      gint64 id = 0;
      Person who = { 0 };
      person (&m, k, &who);
      if (!portero_store_ticket_add (store, subject->text, contact_customer[k], contact_id[k], who.address,
                                     "email", &id, error))
        {
          person_clear (&who);
          goto fail;
        }
      if (id != t)
        {
          person_clear (&who);
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                       "ticket %" G_GINT64_FORMAT " got id %" G_GINT64_FORMAT ": the database was not fresh", t, id);
          goto fail;
        }
      for (int n = 0; n < (ticket_has_second (t) ? 2 : 1); n++)
        {
          Rng r;
          rng_seed (&r, (guint64) t, (guint64) n + 77);
          /* Spread over three years, oldest first. */
          gint64 age = (m.tickets - t) * (3 * 365 * 86400 / m.tickets) - n * 3600;
          Letter l = {
            .model = &m, .kase = NULL, .subject = subject, .reply = n > 0,
            .message_id = ticket_message_id (&m, t, n),
            .date = g_date_time_add_seconds (now, (gdouble) -age),
          };
          l.from = who;
          if (n > 0)
            {
              l.in_reply_to = ticket_message_id (&m, t, 0);
              l.references = g_strdup_printf ("<%s>", l.in_reply_to);
            }
          GString *raw = letter_render (&l, &r);
          g_autofree char *iso = g_date_time_format (l.date, "%Y-%m-%dT%H:%M:%SZ");
          g_autofree char *hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) raw->str, raw->len);
          gsize raw_len = raw->len;
          g_autoptr (GBytes) bytes = g_string_free_to_bytes (raw);
          PorteroMessageRow row = {
            .ticket_id = t, .contact_id = contact_id[k], .kind = "mail", .message_id = l.message_id,
            .envelope_sender = who.address,
            .envelope_recipient = subject->es ? "soporte@" HELPDESK : "help@" HELPDESK,
            .from_addr = who.address, .from_name = who.name, .subject = subject->text, .date = iso,
            .body = l.text, .content_hash = hash, .raw = bytes, .raw_size = (gint64) raw_len,
          };
          gboolean ok = portero_store_message_add (store, &row, NULL, error);
          l.from = (Person) { 0 };
          letter_clear (&l);
          if (!ok)
            {
              person_clear (&who);
              goto fail;
            }
          messages++;
        }
      person_clear (&who);
      if (!batch_boundary (store, &ops, error))
        goto fail;
      if (t % 100000 == 0)
        progress ("tickets", t, m.tickets, started);
    }
  if (!portero_store_commit (store, error))
    return FALSE;
  progress ("done", m.tickets, m.tickets, started);
  return write_info (dir, &m, messages, error);

fail:
  portero_store_rollback (store);
  return FALSE;
}

/* ---- mail -------------------------------------------------------------- */

static gboolean
load_model (const char *dir, Model *m, GError **error)
{
  g_autoptr (GKeyFile) info = g_key_file_new ();
  g_autofree char *path = g_build_filename (dir, "bench.info", NULL);
  if (!g_key_file_load_from_file (info, path, G_KEY_FILE_NONE, error))
    return FALSE;
  if (g_key_file_get_integer (info, "bench", "model", NULL) != MODEL_VERSION)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "%s: made by another model version", path);
      return FALSE;
    }
  model_init (m, g_key_file_get_int64 (info, "bench", "scale", NULL));
  return TRUE;
}

/* The title that the shipped rule 10-portal-credentials.rule answers. */
#define CREDENTIALS_TITLE "[Credenciales del Portal]"

static const Subject *
credentials_subject (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (subjects); i++)
    if (strcmp (subjects[i].text, CREDENTIALS_TITLE) == 0)
      return &subjects[i];
  g_assert_not_reached ();
}

/* A subject for a new ticket of any case but credentials: every one but
 * CREDENTIALS_TITLE, so that only that case asks for credentials when the
 * shipped rules are in force. */
static const Subject *
other_subject (Rng *r)
{
  const Subject *s = &subjects[rng_below (r, G_N_ELEMENTS (subjects) - 1)];
  return s >= credentials_subject () ? s + 1 : s;
}

static gboolean
write_mail (const char *dir, const char *kase, gint64 count, guint64 seed, const char *out, gint64 size,
            gint64 first, GError **error)
{
  Model m;
  if (!load_model (dir, &m, error))
    return FALSE;
  g_autofree char *key_path = g_build_filename (dir, "portero.key", NULL);
  g_autoptr (PorteroKeys) keys = portero_keys_load (key_path, error);
  if (keys == NULL)
    return FALSE;
  gboolean reply = strcmp (kase, "reply") == 0;
  gboolean fresh = strcmp (kase, "new-contact") == 0 || strcmp (kase, "welcome") == 0;
  gboolean credentials = strcmp (kase, "credentials") == 0;
  if (!reply && !fresh && !credentials && strcmp (kase, "new-ticket") != 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "unknown case %s", kase);
      return FALSE;
    }
  if (g_mkdir_with_parents (out, 0755) != 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "%s: %s", out, g_strerror (errno));
      return FALSE;
    }
  g_autofree char *list_path = g_build_filename (out, "list.tsv", NULL);
  FILE *list = fopen (list_path, "w");
  if (list == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "%s: %s", list_path, g_strerror (errno));
      return FALSE;
    }
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  gsize largest = 0;
  for (gint64 i = 0; i < count; i++)
    {
      Rng r;
      rng_seed (&r, seed, (guint64) i);
      Letter l = { .model = &m, .keys = keys, .kase = kase, .size = size, .reply = reply };
      gint64 expect = 0, k;
      const char *variant = kase;
      l.date = g_date_time_add_seconds (now, -(gdouble) rng_below (&r, 600));
      if (reply)
        {
          gint64 t = 1 + (gint64) rng_below (&r, (guint64) m.tickets);
          k = ticket_requester (&m, t);
          l.subject = ticket_subject (t);
          expect = t;
          g_autofree char *first = ticket_message_id (&m, t, 0);
          switch (i % 3)
            {
            case 0: /* answers portero's own (signed) reply; quotes the tag */
              l.in_reply_to = portero_msgid_new (keys, t, HELPDESK);
              l.references = g_strdup_printf ("<%s> <%s>", first, l.in_reply_to);
              l.tag = t;
              variant = "reply-signed";
              break;
            case 1: /* follows up on the customer's own first message */
              l.in_reply_to = g_strdup (first);
              l.references = g_strdup_printf ("<%s>", first);
              variant = "reply-own-msgid";
              break;
            default: /* answers a technician who wrote from another client: only the tag is known */
              l.in_reply_to = g_strdup_printf ("%016" G_GINT64_MODIFIER "x@tech.outlook.example", rng_next (&r));
              l.references = g_strdup_printf ("<%s>", l.in_reply_to);
              l.tag = t;
              variant = "reply-tag-only";
              break;
            }
        }
      else if (fresh)
        {
          k = NEW_CONTACT_BASE + first + i;
          l.subject = other_subject (&r);
        }
      else if (credentials)
        {
          /* Past the reserve a contact gets a second credential mail within
           * the hour: still under per-contact-hour (3), but run-bench.sh keeps
           * the count under CRED_CONTACTS. */
          k = CRED_CONTACT_BASE + (first + i) % CRED_CONTACTS;
          l.subject = credentials_subject ();
        }
      else
        {
          k = (gint64) rng_below (&r, (guint64) m.contacts);
          l.subject = other_subject (&r);
        }
      person (&m, k, &l.from);
      gint64 c = domain_customer (l.from.domain);
      l.company = c >= 0 ? customer_name (c) : g_strdup ("");
      l.message_id = g_strdup_printf ("%016" G_GINT64_MODIFIER "x.%" G_GINT64_MODIFIER "x.%" G_GINT64_FORMAT "@mail.%s",
                                      rng_next (&r), seed, i, strchr (l.from.address, '@') + 1);
      GString *msg = letter_render (&l, &r);
      g_autofree char *name = g_strdup_printf ("%06" G_GINT64_FORMAT ".eml", i);
      g_autofree char *path = g_build_filename (out, name, NULL);
      if (!g_file_set_contents (path, msg->str, (gssize) msg->len, error))
        {
          g_string_free (msg, TRUE);
          letter_clear (&l);
          fclose (list);
          return FALSE;
        }
      largest = MAX (largest, msg->len);
      /* path, envelope sender, recipient, queue id, variant, Message-ID,
       * expected ticket (0: a new one), size */
      fprintf (list, "%s\t%s\t%s\tB%09" G_GINT64_FORMAT "\t%s\t%s\t%" G_GINT64_FORMAT "\t%" G_GSIZE_FORMAT "\n",
               path, l.from.address, l.subject->es ? "soporte@" HELPDESK : "help@" HELPDESK, i, variant,
               l.message_id, expect, msg->len);
      g_string_free (msg, TRUE);
      letter_clear (&l);
    }
  if (fclose (list) != 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "%s: %s", list_path, g_strerror (errno));
      return FALSE;
    }
  printf ("%" G_GSIZE_FORMAT "\n", largest);
  return TRUE;
}

/* ---- rules ----------------------------------------------------------------- */

/* Words and forms that none of the bench's mail contains: a condition on
 * them never holds, so a rule with one (Match=all) never fires. */
static const char *const rule_phrases[] = {
  "factura rectificativa", "ransomware", "phishing", "certificado SSL", "renovación del dominio",
  "contrato de mantenimiento", "mantenimiento preventivo", "cortafuegos", "antivirus caducado",
  "firma electrónica", "teletrabajo", "migración a la nube", "presupuesto de obra", "albarán",
  "auditoría de licencias", "protección de datos", "brecha de seguridad", "wifi de invitados",
  "cambio de tarifa", "portabilidad", "sala de servidores", "batería del SAI", "cámaras de seguridad",
  "control horario", "mudanza de la oficina", "tóner", "cartucho", "videoconferencia", "lector de huella",
  "invoice dispute", "credit note", "phishing attempt", "SSL certificate", "domain renewal",
  "maintenance contract", "firewall rule", "offboarding", "purchase order", "licence audit", "GDPR",
  "data breach", "guest wifi", "server room", "UPS battery", "CCTV", "time clock", "office move",
  "toner", "conference room display",
};
static const char *const rule_title_forms[] = {
  "[Alta de Usuario]", "[Baja de Usuario]", "[Solicitud de Compra]", "[Cambio de Contraseña]",
  "[Incidencia Crítica]", "[New Starter]", "[Leaver]", "[Purchase Request]", "[Password Change]",
};
static const char *const rule_title_starts[] = {
  "[Urgente]", "[URGENT]", "Aviso automático:", "Undeliverable:", "Out of office:", "Respuesta automática:",
  "[SPAM]", "Factura n.º", "[Proveedor]", "[Monitorización]",
};
static const char *const rule_title_ends[] = { "(externo)", "[ext]", "- urgente", "!!!", "(reenviado)" };
/* Regular expressions as the rule means them; written with each backslash doubled. */
static const char *const rule_regexes[] = {
  "^\\[(urgente|urgent|cr[ií]tico)\\]", "\\b(ransomware|malware|troyano|phishing)\\b",
  "\\b(PO|OC)[-\\s]?\\d{6,}\\b", "\\bfactura\\s+(n\\.?\\s*[ºo°]|num(ero)?\\.?)\\s*\\d+",
  "\\b(albar[aá]n|pedido)\\s+\\d{5,}", "\\bSR\\d{8}\\b", "\\bINC\\d{7}\\b", "\\bCVE-\\d{4}-\\d{4,}\\b",
  "\\b(fuera de la oficina|out of office|automatic reply)\\b", "^(aviso|alerta|alert)\\s*\\[[^]]+\\]",
};
static const char *const rule_domain_ends[] = {
  ".gob.es", ".edu", ".org", ".de", ".fr", ".it", ".pt", ".gov", ".ac.uk", ".onmicrosoft.com",
};
static const char *const rule_domains[] = {
  "mailchimp.com", "sendgrid.net", "docusign.net", "linkedin.com", "microsoft.com", "amazonses.com",
  "zendesk.com", "atlassian.net",
};
static const char *const rule_local_parts[] = {
  "facturacion@", "noreply@", "no-reply@", "rrhh@", "compras@", "it@", "admin@", "info@", "contabilidad@",
  "postmaster@", "mailer-daemon@", "alertas@",
};
static const char *const rule_names_contain[] = { "(externo)", "(via Teams)", "via DocuSign", "Mail Delivery", "[bot]" };
static const char *const rule_customer_starts[] = { "Hospital", "Ayuntamiento", "Universidad", "Fundación" };
static const char *const rule_desks[] = { "ventas", "facturacion", "noc", "madrid", "barcelona", "rrhh", "compras" };
static const char *const rule_teams[] = {
  "sistemas", "redes", "facturacion", "comercial", "guardia", "seguridad", "compras", "rrhh", "direccion",
  "soporte-n2",
};

/* A [Condition] group into OUT; VALUE (none for NULL) is written with every
 * backslash doubled, as GKeyFile decodes them. */
static void
rule_condition (GString *out, int n, const char *property, const char *op, const char *value)
{
  g_string_append_printf (out, "\n[Condition c%d]\nProperty=%s\nOperator=%s\n", n, property, op);
  if (value == NULL)
    return;
  g_string_append (out, "Value=");
  for (const char *p = value; *p; p++)
    {
      if (*p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '\n');
}

/* A condition that never holds for the bench's mail, for TRIGGER; *WHAT
 * names it for the rule's Name. */
static void
rule_gate (GString *out, int n, Rng *r, PorteroTrigger trigger, char **what)
{
  const char *p;
  switch (rng_below (r, trigger == PORTERO_TRIGGER_STATUS_CHANGED ? 9 : 12))
    {
    case 0:
      p = rule_phrases[rng_below (r, G_N_ELEMENTS (rule_phrases))];
      rule_condition (out, n, "title", "contains", p);
      *what = g_strdup (p);
      break;
    case 1:
      p = rule_title_forms[rng_below (r, G_N_ELEMENTS (rule_title_forms))];
      rule_condition (out, n, "title", "equals", p);
      *what = g_strdup (p);
      break;
    case 2:
      p = rule_title_starts[rng_below (r, G_N_ELEMENTS (rule_title_starts))];
      rule_condition (out, n, "Title", "starts-with", p);
      *what = g_strdup (p);
      break;
    case 3:
      if (rng_chance (r, 20))
        {
          /* Scans and other mail of attachments only; the bench's always has text. */
          rule_condition (out, n, "body", "is-empty", NULL);
          *what = g_strdup ("sin texto");
          break;
        }
      p = rule_title_ends[rng_below (r, G_N_ELEMENTS (rule_title_ends))];
      rule_condition (out, n, "title", "ends-with", p);
      *what = g_strdup (p);
      break;
    case 4:
      p = rule_regexes[rng_below (r, G_N_ELEMENTS (rule_regexes))];
      rule_condition (out, n, rng_chance (r, 50) ? "title" : "body", "matches", p);
      *what = g_strdup ("patrón");
      break;
    case 5:
      p = rule_domain_ends[rng_below (r, G_N_ELEMENTS (rule_domain_ends))];
      rule_condition (out, n, "requester-domain", "ends-with", p);
      *what = g_strdup_printf ("dominio %s", p);
      break;
    case 6:
      if (rng_chance (r, 50))
        {
          p = rule_domains[rng_below (r, G_N_ELEMENTS (rule_domains))];
          rule_condition (out, n, "Requester Domain", "equals", p);
          *what = g_strdup (p);
        }
      else
        {
          g_autofree char *v = g_strdup_printf ("proveedor-%02d.example", (int) rng_below (r, 60));
          rule_condition (out, n, "requester_domain", "equals", v);
          *what = g_strdup (v);
        }
      break;
    case 7:
      p = rule_local_parts[rng_below (r, G_N_ELEMENTS (rule_local_parts))];
      rule_condition (out, n, "requester-email", "starts-with", p);
      *what = g_strdup (p);
      break;
    case 8:
      if (rng_chance (r, 50))
        {
          p = rule_names_contain[rng_below (r, G_N_ELEMENTS (rule_names_contain))];
          rule_condition (out, n, "requester-name", "contains", p);
        }
      else
        {
          p = rule_customer_starts[rng_below (r, G_N_ELEMENTS (rule_customer_starts))];
          rule_condition (out, n, "customer", "starts-with", p);
        }
      *what = g_strdup (p);
      break;
    case 9:
      p = rule_phrases[rng_below (r, G_N_ELEMENTS (rule_phrases))];
      rule_condition (out, n, "body", "contains", p);
      *what = g_strdup (p);
      break;
    case 10:
      {
        g_autofree char *v = g_strdup_printf ("%s@" HELPDESK, rule_desks[rng_below (r, G_N_ELEMENTS (rule_desks))]);
        rule_condition (out, n, "destination", rng_chance (r, 70) ? "equals" : "starts-with", v);
        *what = g_strdup (v);
      }
      break;
    default:
      {
        /* A new ticket or a reply is open and normal when the rules see it. */
        static const char *const props[] = { "status", "status", "priority", "source" };
        static const char *const values[][3] = {
          { "pending", "on-hold", "resolved" }, { "closed", "pending", "on-hold" },
          { "urgent", "high", "low" }, { "portal", "phone", "chat" } };
        int i = (int) rng_below (r, 4);
        p = values[i][rng_below (r, 3)];
        rule_condition (out, n, props[i], "equals", p);
        *what = g_strdup_printf ("%s %s", props[i], p);
      }
      break;
    }
}

/* A condition that may well hold. */
static void
rule_extra (GString *out, int n, Rng *r)
{
  gint64 c = (gint64) rng_below (r, W_MAPPED);
  switch (rng_below (r, 12))
    {
    case 0:
      {
        g_autofree char *name = customer_name (c);
        rule_condition (out, n, rng_chance (r, 20) ? "site" : "customer", "equals", name);
      }
      break;
    case 1:
      {
        g_autofree char *domain = domain_name (c);
        rule_condition (out, n, "requester-domain", "equals", domain);
      }
      break;
    case 2: rule_condition (out, n, "requester-domain", "ends-with", tlds[rng_below (r, G_N_ELEMENTS (tlds))]); break;
    case 3: rule_condition (out, n, rng_chance (r, 50) ? "title" : "body", "is-not-empty", NULL); break;
    case 4: rule_condition (out, n, "destination", "equals", rng_chance (r, 50) ? "soporte@" HELPDESK : "help@" HELPDESK); break;
    case 5: rule_condition (out, n, "source", "equals", "email"); break;
    case 6: rule_condition (out, n, "status", "not-equals", "closed"); break;
    case 7: rule_condition (out, n, "priority", "not-equals", "urgent"); break;
    case 8: rule_condition (out, n, "requester-email", "not-contains", "noreply"); break;
    case 9: rule_condition (out, n, "title", "not-contains", "[#"); break;
    case 10: rule_condition (out, n, "body", rng_chance (r, 50) ? "not-contains" : "contains",
                             rng_chance (r, 50) ? "gracias" : "darse de baja"); break;
    default: rule_condition (out, n, "requester-name", "is-not-empty", NULL); break;
    }
}

/* Generated rule number I (1-based): the text of its file, and its file name. */
static GString *
rule_render (int i, char **file)
{
  Rng r;
  rng_seed (&r, (guint64) i, 0x7275);
  static const PorteroTrigger triggers[] = {
    PORTERO_TRIGGER_TICKET_CREATED, PORTERO_TRIGGER_TICKET_CREATED, PORTERO_TRIGGER_TICKET_CREATED,
    PORTERO_TRIGGER_TICKET_CREATED, PORTERO_TRIGGER_TICKET_CREATED, PORTERO_TRIGGER_TICKET_CREATED,
    PORTERO_TRIGGER_REQUESTER_RESPONDED, PORTERO_TRIGGER_REQUESTER_RESPONDED,
    PORTERO_TRIGGER_REQUESTER_RESPONDED, PORTERO_TRIGGER_REQUESTER_RESPONDED,
    PORTERO_TRIGGER_CONTACT_CREATED, PORTERO_TRIGGER_CONTACT_CREATED,
    PORTERO_TRIGGER_STATUS_CHANGED, PORTERO_TRIGGER_STATUS_CHANGED,
  };
  PorteroTrigger trigger = triggers[rng_below (&r, G_N_ELEMENTS (triggers))];
  gboolean any = rng_chance (&r, 20);
  GString *conds = g_string_new (NULL);
  g_autofree char *what = NULL;
  int n = 0;
  if (any)
    {
      /* Match=any: every condition must fail, so all of them are gates. */
      int gates = 2 + (int) rng_below (&r, 3);
      for (int k = 0; k < gates; k++)
        {
          char *w = NULL;
          rule_gate (conds, ++n, &r, trigger, &w);
          if (what == NULL)
            what = w;
          else
            g_free (w);
        }
    }
  else
    {
      /* One gate among 0-3 conditions that may hold, anywhere in the order. */
      int extras = (int) rng_below (&r, 4), at = (int) rng_below (&r, (guint64) extras + 1);
      for (int k = 0; k <= extras; k++)
        if (k == at)
          rule_gate (conds, ++n, &r, trigger, &what);
        else
          rule_extra (conds, ++n, &r);
    }

  /* Actions: at least one that shows on the ticket or in the outbox, so that
   * run-bench.sh would see a rule that fired. */
  GString *acts = g_string_new (NULL);
  static const char *const priorities[] = { "urgent", "high", "low" };
  static const char *const statuses[] = { "pending", "on-hold", "resolved", "closed" };
  const char *team = rule_teams[rng_below (&r, G_N_ELEMENTS (rule_teams))];
  g_autofree char *title = NULL;
  int kind = (int) rng_below (&r, 4);
  if (trigger == PORTERO_TRIGGER_STATUS_CHANGED || kind == 0)
    {
      title = g_strdup_printf ("Avisar a %s: %s", team, what);
      g_string_append_printf (acts, "\n[Action aviso]\nType=email-address\nTo=%s@equipo." HELPDESK "%s\n"
                              "Template=aviso-equipo\n", team,
                              rng_chance (&r, 30) ? ";responsable@equipo." HELPDESK : "");
    }
  else if (kind == 1)
    {
      title = g_strdup_printf ("Prioridad: %s", what);
      g_string_append_printf (acts, "\n[Action prioridad]\nType=set-priority\nPriority=%s\n",
                              priorities[rng_below (&r, G_N_ELEMENTS (priorities))]);
    }
  else
    {
      title = g_strdup_printf ("%s: %s", kind == 2 ? "Estado" : "Clasificar", what);
      g_string_append_printf (acts, "\n[Action estado]\nType=set-status\n%s=%s\n", rng_chance (&r, 80) ? "Status" : "Value",
                              statuses[rng_below (&r, G_N_ELEMENTS (statuses))]);
    }
  if (trigger != PORTERO_TRIGGER_STATUS_CHANGED && rng_chance (&r, 25))
    {
      g_autofree char *name = customer_name ((gint64) rng_below (&r, W_MAPPED));
      g_string_append_printf (acts, "\n[Action cliente]\nType=set-customer\nCustomer=%s\n", name);
    }
  if (kind != 0 && rng_chance (&r, 40))
    g_string_append_printf (acts, "\n[Action aviso]\nType=email-address\nTo=%s@equipo." HELPDESK "\nTemplate=aviso-equipo\n",
                            team);
  if (rng_chance (&r, 10))
    g_string_append (acts, "\n[Action parar]\nType=stop\n");

  GString *text = g_string_new (NULL);
  g_string_append_printf (text, "# %s\n[Rule]\nName=%s\n", rng_chance (&r, 50) ? "Pedido por el equipo de soporte"
                          : "Revisada en la reunión de operaciones", title);
  if (rng_chance (&r, 60))
    g_string_append_printf (text, "Description=Regla %d de la mesa de ayuda (%s)\n", i, team);
  g_string_append_printf (text, "Trigger=%s\n", portero_trigger_name (trigger));
  if (any)
    g_string_append (text, "Match=any\n");
  else if (rng_chance (&r, 20))
    g_string_append (text, "Match=all\n");
  if (rng_chance (&r, 5))
    g_string_append (text, "Active=false\n");
  else if (rng_chance (&r, 50))
    g_string_append (text, "Active=true\n");
  if (rng_chance (&r, 5))
    g_string_append (text, "IgnoreFlow=true\n");
  g_string_append (text, conds->str);
  g_string_append (text, acts->str);
  g_string_free (conds, TRUE);
  g_string_free (acts, TRUE);
  *file = g_strdup_printf ("30-%03d-%s-%s.rule", i, kind == 0 || trigger == PORTERO_TRIGGER_STATUS_CHANGED ? "aviso" : "regla",
                           team);
  return text;
}

/* A sample of what the rules see for the bench's mail, every case: the
 * event of delivery, and the guess before it (no customer, no destination). */
static void
rule_sample (const Model *m, int s, gboolean guess, Person *who, char **title, char **body, char **customer,
             PorteroRuleEvent *ev)
{
  Rng r;
  rng_seed (&r, (guint64) s, 0x5a3e);
  gint64 k;
  switch (s % 4)
    {
    case 0: k = (gint64) rng_below (&r, W_CONTACTS); break;
    case 1: k = NEW_CONTACT_BASE + (gint64) rng_below (&r, 2 * W_DOMAINS * NEW_PER_DOMAIN); break;
    case 2: k = CRED_CONTACT_BASE + (gint64) rng_below (&r, CRED_CONTACTS); break;
    default: k = (gint64) rng_below (&r, (guint64) m->contacts); break;
    }
  person (m, k, who);
  const Subject *subject = &subjects[s % G_N_ELEMENTS (subjects)];
  static const char *const prefixes[] = { "", "", "Re: ", "RE: [#%d] ", "RV: " };
  g_autofree char *prefix = g_strdup_printf (prefixes[(s / G_N_ELEMENTS (subjects)) % G_N_ELEMENTS (prefixes)],
                                             1 + (int) rng_below (&r, 100000));
  *title = g_strconcat (prefix, subject->text, NULL);
  gint64 c = domain_customer (who->domain);
  *customer = c >= 0 ? customer_name (c) : g_strdup ("Unassigned");
  /* Short: every sentence of the pool still comes up many times over the samples. */
  g_autofree char *text = make_text (&r, subject->es, 1024 + rng_below (&r, 2048), who, *customer);
  g_autofree char *quoted = make_text (&r, !subject->es, 600, NULL, NULL);
  *body = g_strdup_printf ("%s\n%s Mon, 23 Nov 2026 10:15:12 +0100, %s <%s> %s:\n> %s", text, subject->es ? "El" : "On",
                           subject->es ? "Soporte" : "Support", subject->es ? "soporte@" HELPDESK : "help@" HELPDESK,
                           subject->es ? "escribió" : "wrote", quoted);
  memset (ev, 0, sizeof *ev);
  ev->props[PORTERO_PROP_TITLE] = *title;
  ev->props[PORTERO_PROP_BODY] = *body;
  ev->props[PORTERO_PROP_REQUESTER_EMAIL] = who->address;
  ev->props[PORTERO_PROP_REQUESTER_NAME] = who->name;
  ev->props[PORTERO_PROP_REQUESTER_DOMAIN] = strchr (who->address, '@') + 1;
  ev->props[PORTERO_PROP_CUSTOMER] = guess ? NULL : *customer;
  ev->props[PORTERO_PROP_DESTINATION] = guess ? NULL : subject->es ? "soporte@" HELPDESK : "help@" HELPDESK;
  ev->props[PORTERO_PROP_SOURCE] = "email";
  ev->props[PORTERO_PROP_STATUS] = "open";
  ev->props[PORTERO_PROP_PRIORITY] = "normal";
}

/* Writes COUNT rule files into OUT, then loads them with portero's own code
 * and evaluates them against samples of the bench's mail: a problem, or a
 * rule that fires, is an error. */
static gboolean
write_rules (const char *out, int count, GError **error)
{
  if (g_mkdir_with_parents (out, 0755) != 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "%s: %s", out, g_strerror (errno));
      return FALSE;
    }
  for (int i = 1; i <= count; i++)
    {
      g_autofree char *name = NULL;
      GString *text = rule_render (i, &name);
      g_autofree char *path = g_build_filename (out, name, NULL);
      gboolean ok = g_file_set_contents (path, text->str, (gssize) text->len, error);
      g_string_free (text, TRUE);
      if (!ok)
        return FALSE;
    }
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PorteroRuleSet) set = portero_rules_load (out, problems);
  if (problems->len > 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "%s (and %u more)",
                   (const char *) g_ptr_array_index (problems, 0), problems->len - 1);
      return FALSE;
    }
  Model m;
  model_init (&m, 1); /* the bulk contacts too */
  /* Every subject with every prefix, half of them as the guess before delivery. */
  for (int s = 0; s < 5 * (int) G_N_ELEMENTS (subjects); s++)
    for (int guess = s % 2; guess == s % 2; guess++)
      {
        Person who = { 0 };
        g_autofree char *title = NULL, *body = NULL, *customer = NULL;
        PorteroRuleEvent ev;
        rule_sample (&m, s, guess, &who, &title, &body, &customer, &ev);
        for (int t = PORTERO_TRIGGER_TICKET_CREATED; t <= PORTERO_TRIGGER_CONTACT_CREATED; t++)
          {
            ev.trigger = t;
            PorteroRuleOutcome o;
            portero_rule_outcome_init (&o);
            portero_rules_evaluate (set, &ev, &o);
            for (guint i = 0; i < o.trace->len; i++)
              {
                const char *line = g_ptr_array_index (o.trace, i);
                if (strstr (line, "): fired") != NULL)
                  {
                    g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                                 "%s, for the title \"%s\" from <%s> (%s)", line, title, who.address, customer);
                    portero_rule_outcome_clear (&o);
                    person_clear (&who);
                    return FALSE;
                  }
              }
            portero_rule_outcome_clear (&o);
          }
        person_clear (&who);
      }
  return TRUE;
}

static gint64
parse_count (const char *s)
{
  char *end = NULL;
  gint64 v = g_ascii_strtoll (s, &end, 10);
  if (end == s || v < 0)
    {
      fprintf (stderr, "bench-gen: not a count: %s\n", s);
      exit (2);
    }
  if (*end == 'k' || *end == 'K')
    v *= 1024;
  else if (*end == 'm' || *end == 'M')
    v *= 1024 * 1024;
  return v;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  if (sodium_init () < 0)
    return 1;
  if (argc == 2 && strcmp (argv[1], "version") == 0)
    {
      printf ("model %d schema %d\n", MODEL_VERSION, portero_store_schema_version ());
      return 0;
    }
  if (argc == 4 && strcmp (argv[1], "prefill") == 0)
    {
      if (!prefill (argv[2], parse_count (argv[3]), &error))
        {
          fprintf (stderr, "bench-gen: %s\n", error->message);
          return 1;
        }
      return 0;
    }
  if (argc >= 7 && argc <= 9 && strcmp (argv[1], "mail") == 0)
    {
      if (!write_mail (argv[2], argv[3], parse_count (argv[4]), (guint64) parse_count (argv[5]), argv[6],
                       argc >= 8 ? parse_count (argv[7]) : 0, argc == 9 ? parse_count (argv[8]) : 0, &error))
        {
          fprintf (stderr, "bench-gen: %s\n", error->message);
          return 1;
        }
      return 0;
    }
  if (argc == 4 && strcmp (argv[1], "rules") == 0)
    {
      if (!write_rules (argv[2], (int) parse_count (argv[3]), &error))
        {
          fprintf (stderr, "bench-gen: %s\n", error->message);
          return 1;
        }
      return 0;
    }
  fprintf (stderr, "usage: bench-gen prefill STATE-DIR TICKETS\n"
                   "       bench-gen mail STATE-DIR CASE COUNT SEED OUT-DIR [SIZE [FIRST]]\n"
                   "       bench-gen rules OUT-DIR COUNT\n"
                   "       bench-gen version\n");
  return 2;
}
