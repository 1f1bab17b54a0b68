/* fuzz-conf - the files an administrator or an import hands portero. The
 * first byte picks the reader, the rest is the file:
 *   0 a rule file (load, describe, check its templates, evaluate)
 *   1 a template file   2 a template typed as text (subject, LF, body)
 *   3-6 a contact import: detected, CSV, Azure AD CSV, Microsoft Graph JSON
 *   7 the RFC 4180 reader alone   8 portero.conf */
#include "../../src/config.h"
#include "../../src/import.h"
#include "../../src/rules.h"
#include "../../src/template.h"
#include "fuzz-common.h"
#include <string.h>

enum { MODE_RULE, MODE_TEMPLATE, MODE_TEMPLATE_TEXT, MODE_IMPORT_AUTO, MODE_IMPORT_CSV, MODE_IMPORT_AZURE_CSV,
       MODE_IMPORT_AZURE_JSON, MODE_CSV, MODE_CONF, MODE_COUNT };

static char *rules_dir, *rule_file, *template_file, *conf_file, *templates_dir;

/* Values as a message could supply them: long, accented, with snippets. */
static const char *const values[PORTERO_SNIPPET_COUNT] = {
  "https://portal.example", "ann@acme.example", "pw-{[Ticket ID]}", "https://portal.example/r/x",
  "Ana María Núñez", "Ana", "Acme, S.A.", "42", "Re: {[Portal Password]} ñ\r\nBcc: x@y", "open",
  "support@helpdesk.example", "#1 Printer\n#2 VPN", "",
};

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const char *dir = fuzz_scratch ();
  rules_dir = g_build_filename (dir, "filters", NULL);
  g_mkdir (rules_dir, 0700);
  rule_file = g_build_filename (rules_dir, "50-fuzz.rule", NULL);
  template_file = g_build_filename (dir, "fuzz.en.tmpl", NULL);
  conf_file = g_build_filename (dir, "portero.conf", NULL);
  templates_dir = g_build_filename (fuzz_srcdir (), "templates", NULL);
  return 0;
}

static void
write_file (const char *path, const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  if (!g_file_set_contents (path, (const char *) data, size, &error))
    g_error ("%s", error->message);
}

static void
fuzz_rule (const guint8 *data, size_t size)
{
  write_file (rule_file, data, size);
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PorteroRuleSet) set = portero_rules_load (rules_dir, problems);
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  portero_rules_describe (set, lines);
  portero_rules_check_templates (set, templates_dir, "es", problems);
  for (int trigger = 0; trigger < PORTERO_TRIGGER_COUNT; trigger++)
    {
      PorteroRuleEvent event = { .trigger = trigger };
      event.props[PORTERO_PROP_TITLE] = "  Contraseña   del PORTAL  [#7] ";
      event.props[PORTERO_PROP_BODY] = "Hola,\nno puedo entrar al portal.\nGracias";
      event.props[PORTERO_PROP_REQUESTER_EMAIL] = "ana@acme.example";
      event.props[PORTERO_PROP_REQUESTER_NAME] = "Ana María";
      event.props[PORTERO_PROP_REQUESTER_DOMAIN] = "acme.example";
      event.props[PORTERO_PROP_CUSTOMER] = "Acme";
      event.props[PORTERO_PROP_DESTINATION] = "support@helpdesk.example";
      event.props[PORTERO_PROP_SOURCE] = "email";
      event.props[PORTERO_PROP_STATUS] = "open";
      /* PRIORITY left NULL: it reads as "" */
      PorteroRuleOutcome out;
      portero_rule_outcome_init (&out);
      portero_rules_evaluate (set, &event, &out);
      portero_rule_outcome_clear (&out);
    }
}

static void
expand (const PorteroTemplate *t)
{
  if (t == NULL)
    return;
  g_free (portero_template_expand (t->subject, values, TRUE));
  g_free (portero_template_expand (t->body, values, FALSE));
}

static void
fuzz_template (const guint8 *data, size_t size)
{
  write_file (template_file, data, size);
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PorteroTemplate) t = portero_template_load (template_file, problems);
  expand (t);
}

static void
fuzz_template_text (const guint8 *data, size_t size)
{
  /* What a technician types is read as text: valid UTF-8, no NUL. */
  g_autofree char *text = g_utf8_make_valid ((const char *) data, size);
  char *nl = strchr (text, '\n');
  const char *body = "";
  if (nl != NULL)
    {
      *nl = '\0';
      body = nl + 1;
    }
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PorteroTemplate) t = portero_template_new_from_text ("reply.txt", text, body, problems);
  expand (t);
}

static void
fuzz_import (const guint8 *data, size_t size, PorteroImportFormat format)
{
  /* An exact-size copy: ASan then sees any read past the file's end. Never
   * NULL, as g_file_get_contents gives even an empty file. */
  g_autofree char *copy = size > 0 ? g_memdup2 (data, size) : g_strdup ("");
  g_autoptr (GError) error = NULL;
  g_autoptr (PorteroImport) import = portero_import_parse (copy, size, format, &error);
  /* Every row is an address or says why it is not one. */
  for (guint i = 0; import != NULL && i < import->rows->len; i++)
    {
      const PorteroImportRow *row = g_ptr_array_index (import->rows, i);
      if (row->email == NULL && row->invalid == NULL && row->skip == NULL)
        g_error ("import row %u: no address and no reason", row->line);
      if (row->email != NULL && !g_utf8_validate (row->email, -1, NULL))
        g_error ("import row %u: the address is not UTF-8", row->line);
    }
}

static void
fuzz_csv (const guint8 *data, size_t size)
{
  g_autofree char *copy = size > 0 ? g_memdup2 (data, size) : g_strdup ("");
  PorteroCsv csv;
  portero_csv_init (&csv, copy, size);
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  guint line;
  g_autoptr (GError) error = NULL;
  while (portero_csv_next (&csv, fields, &line, &error) == PORTERO_CSV_RECORD)
    ;
}

static void
fuzz_conf (const guint8 *data, size_t size)
{
  write_file (conf_file, data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (PorteroConfig) config = portero_config_load (conf_file, &error);
  if (config != NULL)
    {
      g_autoptr (GString) out = g_string_new (NULL);
      portero_config_dump (config, out);
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  if (size < 1)
    return 0;
  int mode = data[0] % MODE_COUNT;
  data++;
  size--;
  switch (mode)
    {
    case MODE_RULE: fuzz_rule (data, size); break;
    case MODE_TEMPLATE: fuzz_template (data, size); break;
    case MODE_TEMPLATE_TEXT: fuzz_template_text (data, size); break;
    case MODE_IMPORT_AUTO: fuzz_import (data, size, PORTERO_IMPORT_AUTO); break;
    case MODE_IMPORT_CSV: fuzz_import (data, size, PORTERO_IMPORT_CSV); break;
    case MODE_IMPORT_AZURE_CSV: fuzz_import (data, size, PORTERO_IMPORT_AZURE_CSV); break;
    case MODE_IMPORT_AZURE_JSON: fuzz_import (data, size, PORTERO_IMPORT_AZURE_JSON); break;
    case MODE_CSV: fuzz_csv (data, size); break;
    case MODE_CONF: fuzz_conf (data, size); break;
    }
  return 0;
}
