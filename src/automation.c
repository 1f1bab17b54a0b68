/* automation - the welcome mail, the administrator's rules, and the
 * credentials they hand out
 *
 * Runs inside the delivery's transaction, so that a mail is queued if and
 * only if the ticket that caused it is stored. Nothing here may fail the
 * delivery for a problem of the rules or templates: those are reported and
 * skipped; only the database's own failures, and a template that could not
 * be read just now (too many open files, an I/O error), propagate. */
#include "automation.h"
#include "address.h"
#include "compose.h"
#include "credentials.h"
#include "error.h"
#include "kb.h"
#include "log.h"
#include "outbox.h"
#include "template.h"
#include "i18n.h"
#include <sodium.h>
#include <string.h>

void
portero_prepared_password_clear (PorteroPreparedPassword *p)
{
  if (p->password)
    sodium_memzero (p->password, strlen (p->password));
  g_clear_pointer (&p->password, g_free);
  g_clear_pointer (&p->hash, g_free);
}

/* Template NAME in the configured language, in *T. One that could not be
 * read just now is an error (not the file's fault: the caller's work is
 * retried); one that is missing or broken leaves *T NULL and says why in
 * *MISSING, for the caller to skip its mail with a note. */
static gboolean
find_template (const PorteroConfig *config, const char *name, PorteroTemplate **t, GError **missing, GError **error)
{
  g_autoptr (GError) local = NULL;
  *t = portero_template_find (config->templates, name, config->language, &local);
  if (*t == NULL && g_error_matches (local, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (*t == NULL)
    g_propagate_error (missing, g_steal_pointer (&local));
  return TRUE;
}

/* Whether template NAME issues a password. A template that is missing or
 * broken issues none (the mail is skipped with a note later). */
static gboolean
template_issues_password (const PorteroConfig *config, const char *name, gboolean *issues, GError **error)
{
  g_autoptr (PorteroTemplate) t = NULL;
  if (!find_template (config, name, &t, NULL, error))
    return FALSE;
  *issues = t != NULL && portero_template_uses (t, PORTERO_SNIPPET_PORTAL_PASSWORD);
  return TRUE;
}

/* Whether one of the ";"-separated results of an Authentication-Results
 * value (after its authserv-id) is "dmarc=pass"; comments do not count. */
static gboolean
dmarc_passed (const char *results)
{
  g_auto (GStrv) parts = g_strsplit (results, ";", -1);
  for (char **p = parts; *p; p++)
    {
      g_autofree char *lower = g_ascii_strdown (g_strstrip (*p), -1);
      if (g_str_has_prefix (lower, "dmarc=pass") && (lower[10] == '\0' || g_ascii_isspace (lower[10])))
        return TRUE;
    }
  return FALSE;
}

gboolean
portero_automation_authenticated (const PorteroConfig *config, const PorteroMail *mail)
{
  if (config->trust_authserv_id == NULL || *config->trust_authserv_id == '\0')
    return TRUE;
  for (guint i = 0; mail && i < mail->auth_results->len; i++)
    {
      const char *v = g_ptr_array_index (mail->auth_results, i);
      while (g_ascii_isspace (*v))
        v++;
      gsize n = strlen (config->trust_authserv_id);
      /* Only the header our own MTA added counts: it starts with our authserv-id. */
      if (g_ascii_strncasecmp (v, config->trust_authserv_id, n) != 0 || (v[n] != ';' && !g_ascii_isspace (v[n])))
        continue;
      if (dmarc_passed (v + n))
        return TRUE;
    }
  return FALSE;
}

gboolean
portero_automation_prepare (const PorteroConfig *config, const PorteroRuleSet *rules, const PorteroMail *mail,
                            gboolean sender_known, PorteroPreparedPassword *out, GError **error)
{
  memset (out, 0, sizeof *out);
  gboolean may_mail = !mail->auto_generated && !mail->spam && mail->from_addr != NULL;
  gboolean needed = FALSE;
  /* The rules as they would see a new ticket or a reply with this subject,
   * evaluated for every message, mail or not: folding a long subject or body
   * is the slow part of an evaluation, and the set keeps what it folded, so
   * that the evaluation inside the write transaction only compares. */
  for (int t = PORTERO_TRIGGER_TICKET_CREATED; t <= PORTERO_TRIGGER_CONTACT_CREATED; t++)
    {
      if (t == PORTERO_TRIGGER_CONTACT_CREATED && sender_known)
        continue;
      PorteroRuleEvent ev = { .trigger = t };
      ev.props[PORTERO_PROP_TITLE] = mail->subject;
      ev.props[PORTERO_PROP_BODY] = mail->body;
      ev.props[PORTERO_PROP_REQUESTER_EMAIL] = mail->from_addr;
      ev.props[PORTERO_PROP_REQUESTER_NAME] = mail->from_name;
      ev.props[PORTERO_PROP_REQUESTER_DOMAIN] = mail->from_addr ? portero_address_domain (mail->from_addr) : NULL;
      ev.props[PORTERO_PROP_SOURCE] = "email";
      ev.props[PORTERO_PROP_STATUS] = "open";
      ev.props[PORTERO_PROP_PRIORITY] = "normal";
      PorteroRuleOutcome o;
      portero_rule_outcome_init (&o);
      portero_rules_evaluate (rules, &ev, &o);
      gboolean ok = TRUE;
      for (guint i = 0; may_mail && ok && i < o.mails->len && !needed; i++)
        {
          const PorteroAction *a = g_ptr_array_index (o.mails, i);
          if (a->type == PORTERO_ACTION_EMAIL_CONTACT)
            ok = template_issues_password (config, a->template, &needed, error);
        }
      portero_rule_outcome_clear (&o);
      if (!ok)
        return FALSE;
    }
  if (!may_mail)
    return TRUE;
  if (!needed && !sender_known && config->auto_create_contacts && config->welcome_email
      && !template_issues_password (config, config->welcome_template, &needed, error))
    return FALSE;
  if (!needed)
    return TRUE;
  out->password = portero_password_new (config->password_length);
  out->hash = portero_password_hash (out->password, config->argon2_opslimit, config->argon2_memlimit, error);
  if (out->hash == NULL)
    {
      portero_prepared_password_clear (out);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  PorteroStore *store;
  const PorteroConfig *config;
  const PorteroKeys *keys;
  PorteroPreparedPassword *password;
  gboolean dry_run;
  GArray *queued;
  GPtrArray *report;
  const char *lang;           /* the helpdesk's language: notes and mail speak it */
  GHashTable *credentialed;   /* contacts that got credentials in this run */
  char *from;                 /* our own address, shown as the sender of automatic mail */
  gboolean technician;        /* a person's action: no limits, the password replaces the old one */
  const char *allowance;      /* the rate allowance requests draw on, when the caller names it */
} Run;

/* MSGID in the helpdesk's language, whoever runs portero. */
#define L_(run, msgid) portero_i18n_in ((run)->lang, (msgid))

/* For xgettext: the kinds of mail, as the report names them. */
static const char *const mail_kinds[] G_GNUC_UNUSED = { N_ ("welcome"), N_ ("rule"), N_ ("reply"), N_ ("reset"),
                                                             N_ ("password-change") };

static void
report (Run *run, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
report (Run *run, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  char *line = g_strdup_vprintf (format, ap);
  va_end (ap);
  if (run->report != NULL)
    g_ptr_array_add (run->report, line);
  else
    g_free (line);
}

/* What marks a note's line in the report, in the reader's language; only
 * note() writes it and only portero_automation_note_text() reads it. */
#define NOTE_PREFIX N_ ("note: ")

const char *
portero_automation_note_text (const char *line)
{
  const char *prefix = _(NOTE_PREFIX);
  return line != NULL && g_str_has_prefix (line, prefix) ? line + strlen (prefix) : NULL;
}

/* A note for the technicians on TICKET (none when there is no ticket). */
static gboolean
note (Run *run, gint64 ticket, const char *text, GError **error)
{
  report (run, "%s%s", _(NOTE_PREFIX), text);
  if (ticket == 0)
    return TRUE;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  PorteroMessageRow row = { .ticket_id = ticket, .kind = "note", .date = date, .body = text,
                            .subject = L_ (run, N_ ("portero note")) };
  return portero_store_message_add (run->store, &row, NULL, error);
}

/* Mail that a limit held back leaves a trace a technician sees: a note on
 * the ticket, a log line, and a line in `portero outbox list` naming LIMIT. */
static gboolean
hold (Run *run, const char *kind, const char *name, const char *to_addr, const PorteroContactInfo *contact,
      gint64 ticket_id, gboolean credential, const char *allowance, const char *limit, const char *text,
      GError **error)
{
  if (!run->dry_run)
    portero_log_warn ("mail %s \"%s\" to <%s> held back: %s", kind, name, to_addr, limit);
  g_autofree char *subject = g_strdup_printf (L_ (run, N_ ("%s (held back: %s)")), name, limit);
  PorteroOutboxRow row = {
    .ticket_id = ticket_id, .contact_id = contact ? contact->id : 0, .kind = kind, .credential = credential,
    .recipient = to_addr, .subject = subject, .allowance = allowance,
  };
  if (!run->dry_run && !portero_store_outbox_hold (run->store, &row, limit, error))
    return FALSE;
  return note (run, ticket_id, text, error);
}

static char *
first_name (const char *name, const char *email)
{
  if (name != NULL && *name != '\0')
    {
      const char *sp = strchr (name, ' ');
      return sp ? g_strndup (name, sp - name) : g_strdup (name);
    }
  const char *at = email ? strchr (email, '@') : NULL;
  return at ? g_strndup (email, at - email) : g_strdup ("");
}

/* The open tickets of CONTACT or CUSTOMER, their statuses in LANG. */
static char *
digest (Run *run, gint64 contact, gint64 customer, const char *lang, GError **error)
{
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  if (!portero_store_open_tickets (run->store, contact, customer, portero_template_status_word, lang, lines, error))
    return NULL;
  if (lines->len == 0)
    return g_strdup (portero_i18n_in (lang, N_ ("(no open tickets)")));
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

static gboolean queue_template (Run *run, const PorteroEvent *e, const char *kind, const PorteroTemplate *t,
                                const char *to_addr, const PorteroContactInfo *contact,
                                const PorteroTicketInfo *ticket, GError **error);

/* Queue one mail with template NAME to TO_ADDR. CONTACT is the person the
 * credentials and personal snippets are about (0: none). */
static gboolean
queue_mail (Run *run, const PorteroEvent *e, const char *kind, const char *name, const char *to_addr,
            const PorteroContactInfo *contact, const PorteroTicketInfo *ticket, GError **error)
{
  const PorteroConfig *config = run->config;
  gint64 ticket_id = ticket ? ticket->id : 0;
  g_autoptr (GError) local = NULL;
  g_autoptr (PorteroTemplate) t = NULL;
  if (!find_template (config, name, &t, &local, error))
    return FALSE;
  if (t == NULL)
    {
      portero_log_warn ("template %s: %s; mail to <%s> not sent", name, local->message, to_addr);
      g_autofree char *text = g_strdup_printf (L_ (run, N_ ("Mail \"%s\" to %s was not sent: %s")), name, to_addr, local->message);
      return note (run, ticket_id, text, error);
    }
  return queue_template (run, e, kind, t, to_addr, contact, ticket, error);
}

/* One mail on its way: what the guards found, and the values its snippets
 * take, owning what they point to. */
typedef struct {
  gboolean issues_password, issues_link, credential, digest_mail;
  const char *allowance;
  gboolean new_address;
  const char *lang;
  char *first, *ticket_no, *password, *link, *mine, *company;
  PorteroKbRendering suggested, matching;
  const char *values[PORTERO_SNIPPET_COUNT];
  const char *redacted[PORTERO_SNIPPET_COUNT];
  const char *trusted[PORTERO_SNIPPET_COUNT];
} Mail;

static void
mail_clear (Mail *m)
{
  /* The secrets do not outlive the mail in memory. */
  if (m->password)
    sodium_memzero (m->password, strlen (m->password));
  if (m->link)
    sodium_memzero (m->link, strlen (m->link));
  g_clear_pointer (&m->password, g_free);
  g_clear_pointer (&m->link, g_free);
  g_clear_pointer (&m->first, g_free);
  g_clear_pointer (&m->ticket_no, g_free);
  g_clear_pointer (&m->mine, g_free);
  g_clear_pointer (&m->company, g_free);
  portero_kb_rendering_clear (&m->suggested);
  portero_kb_rendering_clear (&m->matching);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Mail, mail_clear)

/* Whether template T may go to TO_ADDR now: where it may not, a note (or a
 * hold naming the limit) says why and *SEND is FALSE. Fills M's findings. */
static gboolean
mail_allowed (Run *run, const PorteroEvent *e, const char *kind, const PorteroTemplate *t, const char *to_addr,
              const PorteroContactInfo *contact, gint64 ticket_id, Mail *m, gboolean *send, GError **error)
{
  const PorteroConfig *config = run->config;
  const char *name = t->name;
  *send = FALSE;
  m->issues_password = portero_template_uses (t, PORTERO_SNIPPET_PORTAL_PASSWORD);
  m->issues_link = portero_template_uses (t, PORTERO_SNIPPET_PORTAL_PASSWORD_LINK);
  m->credential = m->issues_password || m->issues_link;
  m->digest_mail = portero_template_uses (t, PORTERO_SNIPPET_MY_TICKETS)
                   || portero_template_uses (t, PORTERO_SNIPPET_COMPANY_TICKETS);
  gboolean credential = m->credential;

  /* Credentials and personal digests go to the contact's own registered
   * address only: never to a fixed list, never to an address from the message. */
  if ((credential || m->digest_mail) && (contact == NULL || contact->id == 0 || g_strcmp0 (contact->email, to_addr) != 0))
    {
      g_autofree char *text = g_strdup_printf (L_ (run, N_ ("\"%s\" not sent: credentials and ticket lists go only to the contact's registered address.")), name);
      return note (run, ticket_id, text, error);
    }
  if (credential && !run->technician && g_strcmp0 (kind, "welcome") != 0 && !e->authenticated)
    {
      g_autofree char *text = g_strdup_printf (L_ (run, N_ ("No credentials sent: the message did not pass DMARC at %s.")), config->trust_authserv_id);
      return note (run, ticket_id, text, error);
    }
  if (credential && g_hash_table_contains (run->credentialed, GINT_TO_POINTER (contact->id)))
    {
      const char *text = L_ (run, N_ ("No second credential mail: another mail for this message already carries them."));
      return note (run, ticket_id, text, error);
    }
  /* Requests anyone can forge (plain mail, the anonymous "forgot password")
   * draw on one allowance; a DMARC-verified one, or each requester the portal
   * names, on its own: forgeries cannot use up the contact's genuine ones. */
  gboolean verified = !run->technician && e->mail != NULL && e->authenticated
                      && config->trust_authserv_id != NULL && *config->trust_authserv_id != '\0';
  const char *allowance = run->allowance ? run->allowance : verified ? "verified" : "open";
  m->allowance = allowance;
  if (verified && contact && contact->id && !run->dry_run
      && !portero_store_contact_mark_heard (run->store, contact->id, error))
    return FALSE;
  if (credential && !run->technician)
    {
      int hour = 0, day = 0;
      if (!portero_store_outbox_allowance_used (run->store, contact->id, allowance, 1, &hour, error)
          || !portero_store_outbox_allowance_used (run->store, contact->id, allowance, 24, &day, error))
        return FALSE;
      if (hour >= config->per_contact_hour || day >= config->per_contact_day)
        {
          g_autofree char *limit = g_strdup_printf (hour >= config->per_contact_hour ? "[credentials] per-contact-hour=%d (%s)"
                                                                                    : "[credentials] per-contact-day=%d (%s)",
                                                    hour >= config->per_contact_hour ? config->per_contact_hour
                                                                                     : config->per_contact_day, allowance);
          g_autofree char *text = g_strdup_printf (L_ (run, N_ ("No credentials sent to %s: the limit of %d an hour and %d a day is reached (%s).")),
                                                   to_addr, config->per_contact_hour, config->per_contact_day, limit);
          return hold (run, kind, name, to_addr, contact, ticket_id, credential, allowance, limit, text, error);
        }
    }
  int today = 0;
  if (!run->technician && !portero_store_outbox_recent (run->store, to_addr, 0, 24, FALSE, &today, error))
    return FALSE;
  if (!run->technician && today >= config->auto_mail_per_day)
    {
      g_autofree char *limit = g_strdup_printf ("[mail] auto-mail-per-day=%d", config->auto_mail_per_day);
      g_autofree char *text = g_strdup_printf (L_ (run, N_ ("\"%s\" not sent to %s: it had %d automatic mails today already.")), name, to_addr, today);
      return hold (run, kind, name, to_addr, contact, ticket_id, credential, allowance, limit, text, error);
    }
  /* An address portero never heard from may be a stranger's that a forger
   * wrote in: mail to such addresses is capped in all, and never carries
   * text the sender wrote. */
  gboolean heard = TRUE;
  if (!run->technician && contact && contact->id
      && !portero_store_contact_heard (run->store, contact->id, &heard, error))
    return FALSE;
  m->new_address = !run->technician && (!heard || contact == NULL || contact->id == 0);
  if (m->new_address)
    {
      int hour = 0;
      if (!portero_store_outbox_new_address_count (run->store, &hour, error))
        return FALSE;
      if (hour >= config->new_address_mail_per_hour)
        {
          g_autofree char *limit = g_strdup_printf ("[mail] new-address-mail-per-hour=%d", config->new_address_mail_per_hour);
          g_autofree char *text = g_strdup_printf (L_ (run, N_ ("\"%s\" not sent to %s: the limit %s is reached.")),
                                                   name, to_addr, limit);
          return hold (run, kind, name, to_addr, contact, ticket_id, credential, allowance, limit, text, error);
        }
    }
  *send = TRUE;
  return TRUE;
}

/* The password and the one-time link the template issues to CONTACT, stored as they
 * are made (a dry run issues none). */
static gboolean
mail_issue_credentials (Run *run, const PorteroContactInfo *contact, Mail *m, GError **error)
{
  const PorteroConfig *config = run->config;
  if (m->issues_password)
    {
      if (run->dry_run)
        m->password = g_strdup (portero_i18n_in (m->lang, N_ ("(new password)")));
      else
        {
          g_autofree char *hash = NULL;
          if (run->password != NULL && run->password->password != NULL)
            {
              m->password = g_steal_pointer (&run->password->password);
              hash = g_steal_pointer (&run->password->hash);
            }
          else
            {
              m->password = portero_password_new (config->password_length);
              hash = portero_password_hash (m->password, config->argon2_opslimit, config->argon2_memlimit, error);
              if (hash == NULL)
                return FALSE;
            }
          /* Automatic mail never locks anyone out: the new one waits beside the
           * old. A technician's reset replaces both at once. */
          if (!portero_store_contact_set_password (run->store, contact->id, hash,
                                                   run->technician ? PORTERO_PASSWORD_CURRENT : PORTERO_PASSWORD_PENDING,
                                                   error))
            return FALSE;
        }
    }
  if (m->issues_link)
    {
      g_autofree char *token_hash = NULL;
      g_autofree char *token = portero_token_new (&token_hash);
      if (!portero_store_reset_token_set (run->store, contact->id, token_hash, config->reset_expiry, error))
        return FALSE;
      g_autofree char *user = g_uri_escape_string (contact->email, NULL, FALSE);
      m->link = g_strdup_printf ("%s/set-password?user=%s&code=%s", config->portal_address, user, token);
      sodium_memzero (token, strlen (token));
    }
  return TRUE;
}

/* The snippets' values: names, ticket, credentials, ticket lists and
 * knowledge-base articles, and their redacted copy for the ticket. */
static gboolean
mail_fill_values (Run *run, const PorteroEvent *e, const PorteroTemplate *t, const char *to_addr,
                  const PorteroContactInfo *contact, const PorteroTicketInfo *ticket, Mail *m, GError **error)
{
  const PorteroConfig *config = run->config;
  gint64 ticket_id = ticket ? ticket->id : 0;
  const char **values = m->values;
  /* The mail speaks the template's language (a fallback may be the other one). */
  m->lang = t->lang ? t->lang : config->language;
  m->first = first_name (contact ? contact->name : NULL, contact && contact->email ? contact->email : to_addr);
  m->ticket_no = ticket_id ? g_strdup_printf ("%" G_GINT64_FORMAT, ticket_id) : g_strdup ("");
  values[PORTERO_SNIPPET_PORTAL_ADDRESS] = config->portal_address;
  portero_template_mode_values (t, config->language, config->mode == PORTERO_MODE_IT, values);
  values[PORTERO_SNIPPET_PORTAL_USERNAME] = contact && contact->id ? contact->email : "";
  values[PORTERO_SNIPPET_CONTACT_NAME] = contact && contact->name && *contact->name ? contact->name : m->first;
  values[PORTERO_SNIPPET_CONTACT_FIRST_NAME] = m->first;
  values[PORTERO_SNIPPET_CUSTOMER_NAME] = contact && contact->id ? contact->customer : ticket ? ticket->customer : "";
  values[PORTERO_SNIPPET_TICKET_ID] = m->ticket_no;
  values[PORTERO_SNIPPET_TICKET_TITLE] = ticket ? ticket->title : "";
  values[PORTERO_SNIPPET_TICKET_STATUS] = ticket ? portero_template_status_word (ticket->status, m->lang) : "";
  values[PORTERO_SNIPPET_SUPPORT_ADDRESS] = e->destination && *e->destination ? e->destination
                                            : config->support_addresses[0] ? config->support_addresses[0] : "";
  if (!mail_issue_credentials (run, contact, m, error))
    return FALSE;
  if (portero_template_uses (t, PORTERO_SNIPPET_MY_TICKETS))
    {
      m->mine = digest (run, contact->id, 0, m->lang, error);
      if (m->mine == NULL)
        return FALSE;
    }
  if (portero_template_uses (t, PORTERO_SNIPPET_COMPANY_TICKETS))
    {
      if (contact->main && !contact->default_customer)
        m->company = digest (run, 0, contact->customer_id, m->lang, error);
      else
        m->company = g_strdup (config->mode == PORTERO_MODE_IT
                               ? portero_i18n_in (m->lang, N_ ("The list of the site's tickets is restricted to main users."))
                               : portero_i18n_in (m->lang, N_ ("The list of the company's tickets is restricted to main contacts.")));
      if (m->company == NULL)
        return FALSE;
    }
  values[PORTERO_SNIPPET_PORTAL_PASSWORD] = m->password;
  values[PORTERO_SNIPPET_PORTAL_PASSWORD_LINK] = m->link;
  values[PORTERO_SNIPPET_MY_TICKETS] = m->mine;
  values[PORTERO_SNIPPET_COMPANY_TICKETS] = m->company;
  if (m->new_address)
    {
      /* Names, titles and ticket lists there come from the message. */
      const char *neutral = portero_i18n_in (m->lang, N_ ("(shown in the portal)"));
      values[PORTERO_SNIPPET_CONTACT_NAME] = values[PORTERO_SNIPPET_CONTACT_FIRST_NAME] = "";
      values[PORTERO_SNIPPET_TICKET_TITLE] = neutral;
      if (m->mine != NULL)
        values[PORTERO_SNIPPET_MY_TICKETS] = neutral;
      if (m->company != NULL)
        values[PORTERO_SNIPPET_COMPANY_TICKETS] = neutral;
    }
  /* Knowledge-base articles for the ticket's question; only a template that
   * asks for them pays for the search. Each reader sees what the article's
   * Visibility allows: a customer's own only that customer's contacts, and
   * an address portero never heard from (or one that is not the contact's)
   * public ones only; internal ones are never mailed. The HTML part shows
   * the articles' own HTML: rendered by libcmark without raw HTML or unsafe
   * links at kb sync, the rest escaped by kb.c. */
  for (int full = 0; full <= 1; full++)
    {
      PorteroSnippet s = full ? PORTERO_SNIPPET_MATCHING_ARTICLES : PORTERO_SNIPPET_SUGGESTED_ARTICLES;
      PorteroKbRendering *r = full ? &m->matching : &m->suggested;
      if (!portero_template_uses (t, s))
        continue;
      gboolean own = contact && contact->id && !m->new_address && g_strcmp0 (contact->email, to_addr) == 0;
      PorteroKbAudience audience = { FALSE, own && !contact->default_customer, own ? contact->customer : NULL };
      if (!portero_kb_snippet (run->store, ticket ? ticket->title : e->mail ? e->mail->subject : NULL,
                               e->mail ? e->mail->body : NULL, &audience, config->portal_address, m->lang, full,
                               r, error))
        return FALSE;
      values[s] = r->text;
      m->trusted[s] = r->html;
    }
  memcpy (m->redacted, values, sizeof m->values);
  m->redacted[PORTERO_SNIPPET_PORTAL_PASSWORD] = "********";
  m->redacted[PORTERO_SNIPPET_PORTAL_PASSWORD_LINK] = portero_i18n_in (m->lang, N_ ("(one-time link)"));
  return TRUE;
}

/* Queue the composed mail, and its copy without the secret on the ticket. */
static gboolean
mail_queue (Run *run, const char *kind, const PorteroComposed *c, const char *to_addr,
            const PorteroContactInfo *contact, gint64 ticket_id, const Mail *m, GError **error)
{
  PorteroOutboxRow row = {
    .ticket_id = ticket_id,
    .contact_id = contact ? contact->id : 0,
    .kind = kind,
    .automatic = !run->technician,
    .credential = m->credential,
    .recipient = to_addr,
    .subject = c->subject,
    .message_id = c->message_id,
    .body = c->message,
    .allowance = m->allowance,
    .new_address = m->new_address,
  };
  gint64 id = 0;
  if (!portero_outbox_queue (run->store, run->keys, &row, &id, error))
    return FALSE;
  if (ticket_id != 0)
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *date = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
      PorteroMessageRow copy = {
        .ticket_id = ticket_id, .contact_id = contact ? contact->id : 0, .kind = run->technician ? "reply" : "auto",
        .message_id = c->message_id, .from_addr = run->from, .subject = c->subject, .date = date,
        .body = c->redacted_body, .auto_generated = !run->technician, .auto_reason = kind,
        .raw = c->redacted_message,
      };
      if (!portero_store_message_add (run->store, &copy, NULL, error))
        return FALSE;
    }
  g_array_append_val (run->queued, id);
  if (m->credential)
    g_hash_table_add (run->credentialed, GINT_TO_POINTER (contact->id));
  report (run, _("mail %s to <%s>: %s"), _(kind), to_addr, c->subject);
  if (run->dry_run)
    report (run, "%s", c->redacted_body);
  return TRUE;
}

static gboolean
queue_template (Run *run, const PorteroEvent *e, const char *kind, const PorteroTemplate *t, const char *to_addr,
                const PorteroContactInfo *contact, const PorteroTicketInfo *ticket, GError **error)
{
  gint64 ticket_id = ticket ? ticket->id : 0;
  g_auto (Mail) m = { 0 };
  gboolean send = FALSE;
  if (!mail_allowed (run, e, kind, t, to_addr, contact, ticket_id, &m, &send, error))
    return FALSE;
  if (!send)
    return TRUE;
  if (!mail_fill_values (run, e, t, to_addr, contact, ticket, &m, error))
    return FALSE;
  PorteroComposeOptions options = {
    .to_addr = to_addr,
    .to_name = contact && g_strcmp0 (contact->email, to_addr) == 0 && !m.new_address ? contact->name : NULL,
    .ticket = ticket_id,
    .in_reply_to = e->mail ? e->mail->message_id : e->in_reply_to,
    .auto_submitted = run->technician ? NULL : e->mail ? "auto-replied" : "auto-generated",
    .html_trusted = m.trusted,
  };
  PorteroComposed c = { 0 };
  g_autoptr (GError) local = NULL;
  gboolean ok = portero_compose (run->config, run->keys, t, m.values, m.redacted, &options, &c, &local);
  mail_clear (&m);
  if (!ok)
    {
      portero_log_warn ("template %s: %s", t->name, local->message);
      return note (run, ticket_id, local->message, error);
    }
  ok = mail_queue (run, kind, &c, to_addr, contact, ticket_id, &m, error);
  portero_composed_clear (&c);
  return ok;
}

static gboolean
run_event (Run *run, const PorteroRuleSet *rules, const PorteroEvent *e, GError **error)
{
  const PorteroConfig *config = run->config;
  PorteroContactInfo contact = { 0 };
  PorteroTicketInfo ticket = { 0 };
  PorteroRuleOutcome o;
  portero_rule_outcome_init (&o);
  gboolean ok = FALSE;

  /* No welcome mail to send and no rule to run: then nothing below needs the
   * contact or the ticket, and reading them is two more queries a delivery. */
  gboolean welcome = e->trigger == PORTERO_TRIGGER_CONTACT_CREATED && config->welcome_email;
  if (!welcome && !portero_rules_on (rules, e->trigger))
    {
      ok = TRUE;
      goto out;
    }
  if (e->contact && !portero_store_contact_info (run->store, e->contact, &contact, error))
    goto out;
  if (e->ticket && !portero_store_ticket_info (run->store, e->ticket, &ticket, error))
    goto out;

  if (welcome && contact.id != 0)
    {
      if (!e->may_mail)
        report (run, _("no welcome mail: %s"), e->mail && e->mail->spam ? _("spam") : _("auto-generated mail"));
      else if (!queue_mail (run, e, "welcome", config->welcome_template, contact.email, &contact,
                            ticket.id ? &ticket : NULL, error))
        goto out;
    }

  PorteroRuleEvent ev = { .trigger = e->trigger };
  const char *requester = ticket.id ? ticket.requester : contact.id ? contact.email : e->mail ? e->mail->from_addr : NULL;
  ev.props[PORTERO_PROP_TITLE] = ticket.id ? ticket.title : e->mail ? e->mail->subject : NULL;
  ev.props[PORTERO_PROP_BODY] = e->mail ? e->mail->body : NULL;
  ev.props[PORTERO_PROP_REQUESTER_EMAIL] = requester;
  ev.props[PORTERO_PROP_REQUESTER_NAME] = contact.id ? contact.name : ticket.id ? ticket.requester_name
                                          : e->mail ? e->mail->from_name : NULL;
  ev.props[PORTERO_PROP_REQUESTER_DOMAIN] = requester ? portero_address_domain (requester) : NULL;
  ev.props[PORTERO_PROP_CUSTOMER] = ticket.id ? ticket.customer : contact.customer;
  ev.props[PORTERO_PROP_DESTINATION] = e->destination;
  ev.props[PORTERO_PROP_SOURCE] = ticket.id ? ticket.source : "email";
  ev.props[PORTERO_PROP_STATUS] = ticket.status;
  ev.props[PORTERO_PROP_PRIORITY] = ticket.priority;
  portero_rules_evaluate (rules, &ev, &o);
  for (guint i = 0; i < o.trace->len; i++)
    report (run, "%s: %s", _(portero_trigger_name (e->trigger)), (const char *) g_ptr_array_index (o.trace, i));

  if (ticket.id != 0 && (o.status || o.priority || o.customer))
    {
      gint64 customer = 0;
      if (o.customer != NULL)
        {
          if (!portero_store_customer_find (run->store, o.customer, &customer, error))
            goto out;
          if (customer == 0)
            {
              g_autofree char *text = g_strdup_printf (L_ (run, N_ ("A rule asked for customer \"%s\", which does not exist.")), o.customer);
              if (!note (run, ticket.id, text, error))
                goto out;
            }
        }
      if (!portero_store_ticket_update (run->store, ticket.id, o.status, o.priority, customer, error))
        goto out;
      /* Mail about the ticket shows it as the rules left it. */
      if (!portero_store_ticket_info (run->store, ticket.id, &ticket, error))
        goto out;
    }

  for (guint i = 0; i < o.mails->len; i++)
    {
      const PorteroAction *a = g_ptr_array_index (o.mails, i);
      if (!e->may_mail)
        {
          report (run, _("rule %s: no mail for auto-generated or spam mail"), a->rule);
          continue;
        }
      if (a->type == PORTERO_ACTION_EMAIL_CONTACT)
        {
          if (contact.id == 0)
            {
              g_autofree char *text = g_strdup_printf (L_ (run, N_ ("Rule \"%s\" sent no mail: the sender is not a contact.")), a->rule);
              if (!note (run, ticket.id, text, error))
                goto out;
              continue;
            }
          if (!queue_mail (run, e, "rule", a->template, contact.email, &contact, ticket.id ? &ticket : NULL, error))
            goto out;
        }
      else
        for (char **to = a->to; to && *to; to++)
          if (!queue_mail (run, e, "rule", a->template, *to, &contact, ticket.id ? &ticket : NULL, error))
            goto out;
    }
  ok = TRUE;
out:
  portero_rule_outcome_clear (&o);
  portero_contact_info_clear (&contact);
  portero_ticket_info_clear (&ticket);
  return ok;
}

gboolean
portero_automation_run (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys,
                        const PorteroRuleSet *rules, const PorteroEvent *events, guint n_events,
                        PorteroPreparedPassword *password, gboolean dry_run, GArray *queued, GPtrArray *report_lines,
                        GError **error)
{
  Run run = {
    .store = store, .config = config, .keys = keys, .password = password, .dry_run = dry_run,
    .queued = queued, .report = report_lines, .lang = config->language,
    .credentialed = g_hash_table_new (g_direct_hash, g_direct_equal),
    .from = portero_compose_from_address (config),
  };
  gboolean ok = TRUE;
  for (guint i = 0; i < n_events && ok; i++)
    ok = run_event (&run, rules, &events[i], error);
  g_hash_table_unref (run.credentialed);
  g_free (run.from);
  return ok;
}

gboolean
portero_automation_mail (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys, const char *kind,
                         const PorteroTemplate *t, gint64 contact, gint64 ticket, gboolean technician,
                         gboolean dry_run, GArray *queued, GPtrArray *report_lines, GError **error)
{
  return portero_automation_request (store, config, keys, kind, t, contact, ticket, technician, NULL, dry_run,
                                     queued, report_lines, error);
}

gboolean
portero_automation_request (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys,
                            const char *kind, const PorteroTemplate *t, gint64 contact, gint64 ticket,
                            gboolean technician, const char *allowance, gboolean dry_run, GArray *queued,
                            GPtrArray *report_lines, GError **error)
{
  Run run = {
    .store = store, .config = config, .keys = keys, .dry_run = dry_run, .queued = queued, .report = report_lines,
    .lang = config->language, .technician = technician, .allowance = allowance,
    .credentialed = g_hash_table_new (g_direct_hash, g_direct_equal),
    .from = portero_compose_from_address (config),
  };
  PorteroContactInfo info = { 0 };
  PorteroTicketInfo tinfo = { 0 };
  g_autofree char *answers = NULL;
  PorteroEvent e = { .ticket = ticket, .contact = contact, .may_mail = TRUE, .authenticated = TRUE };
  gboolean ok = (contact == 0 || portero_store_contact_info (store, contact, &info, error))
                && (ticket == 0 || portero_store_ticket_info (store, ticket, &tinfo, error))
                && (ticket == 0 || portero_store_ticket_last_mail (store, ticket, &answers, error));
  if (ok && (contact != 0 ? info.id == 0 : tinfo.id == 0))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, "no contact %" G_GINT64_FORMAT, contact);
      ok = FALSE;
    }
  /* The customer's mail client threads the answer under their message. */
  e.in_reply_to = answers;
  if (ok)
    ok = queue_template (&run, &e, kind, t, contact ? info.email : tinfo.requester, contact ? &info : NULL,
                         tinfo.id ? &tinfo : NULL, error);
  portero_contact_info_clear (&info);
  portero_ticket_info_clear (&tinfo);
  g_hash_table_unref (run.credentialed);
  g_free (run.from);
  return ok;
}

gboolean
portero_automation_request_reset (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys,
                                  const PorteroTemplate *t, const char *address, const char *allowance,
                                  gint64 started, GArray *queued, GPtrArray *report, GError **error)
{
  gint64 contact = 0;
  if (address != NULL && !portero_store_contact_by_address (store, address, &contact, error))
    return FALSE;
  if (!portero_store_begin (store, error))
    return FALSE;
  if (contact != 0)
    {
      /* Automatic mail: nobody floods a contact with reset mails. */
      if (!portero_automation_request (store, config, keys, "reset", t, contact, 0, FALSE, allowance, FALSE, queued,
                                       report, error))
        {
          portero_store_rollback (store);
          return FALSE;
        }
      if (!portero_store_commit (store, error))
        return FALSE;
    }
  else
    {
      /* The same kind of work for nobody: a code made and hashed, the
       * transaction taken and given back. */
      g_autofree char *token_hash = NULL;
      g_autofree char *token = portero_token_new (&token_hash);
      sodium_memzero (token, strlen (token));
      portero_store_rollback (store);
      g_ptr_array_add (report, g_strdup_printf ("no contact <%s>", address ? address : ""));
    }
  gint64 spent = g_get_monotonic_time () - started;
  if (spent < PORTERO_REQUEST_RESET_MIN_USEC)
    g_usleep (PORTERO_REQUEST_RESET_MIN_USEC - spent);
  return TRUE;
}

gboolean
portero_automation_password_changed (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys,
                                     gint64 contact, GArray *queued, GPtrArray *report, GError **error)
{
  const char *name = "password-changed";
  g_autoptr (GError) local = NULL;
  g_autoptr (PorteroTemplate) t = NULL;
  if (!find_template (config, name, &t, &local, error))
    return FALSE;
  if (t == NULL)
    {
      portero_log_warn ("template %s: %s; no notice of a password change sent", name, local->message);
      return TRUE;
    }
  /* A notice must never be a way to hand out a password or a link. */
  if (portero_template_uses (t, PORTERO_SNIPPET_PORTAL_PASSWORD)
      || portero_template_uses (t, PORTERO_SNIPPET_PORTAL_PASSWORD_LINK))
    {
      portero_log_warn ("template %s carries a credential; no notice of a password change sent", name);
      return TRUE;
    }
  return portero_automation_request (store, config, keys, "password-change", t, contact, 0, FALSE, NULL, FALSE,
                                     queued, report, error);
}
