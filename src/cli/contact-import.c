/* contact-import - portero contact import FILE: CSV and Azure AD / Entra ID exports
 *
 * The file is parsed whole (src/import.c), then every row is checked and
 * written in one transaction. Imported contacts never get the welcome mail
 * (the seed: not for contacts imported from CSV or Azure AD): nothing here
 * queues mail. A row whose address, or any other address of the same person,
 * belongs to a contact already, or to an earlier row of the file, is skipped;
 * an invalid row makes the whole file fail unless --keep-going. */
#include "cli.h"
#include "../address.h"
#include "../import.h"
#include <stdio.h>

typedef struct {
  guint created;
  guint existing;
  guint repeated;
  guint left_out;   /* disabled and guest accounts */
  guint invalid;
} Counts;

static void
report (const char *path, const PorteroImportRow *row, const char *reason, Counts *counts)
{
  fprintf (stderr, "%s:%u: %s\n", path, row->line, reason);
  counts->invalid++;
}

/* The customer a valid ROW goes to; 0 (after reporting it) when the row names
 * a customer that does not exist. */
static gboolean
row_customer (PorteroCli *cli, const PorteroImportRow *row, gint64 forced, gint64 fallback, gint64 *customer,
              GError **error)
{
  *customer = forced;
  if (*customer == 0 && row->customer != NULL)
    return portero_store_customer_find (cli->store, row->customer, customer, error);
  if (*customer == 0
      && !portero_store_customer_for_domain (cli->store, portero_address_domain (row->email), customer, error))
    return FALSE;
  if (*customer == 0)
    *customer = fallback;
  return TRUE;
}

/* Whether one of ROW's addresses belongs to a contact (*EXISTS). */
static gboolean
row_exists (PorteroCli *cli, const PorteroImportRow *row, gboolean *exists, GError **error)
{
  PorteroContactRef ref = { 0 };
  *exists = FALSE;
  if (!portero_store_contact_find (cli->store, row->email, &ref, error))
    return FALSE;
  for (guint i = 0; ref.id == 0 && i < row->others->len; i++)
    if (!portero_store_contact_find (cli->store, g_ptr_array_index (row->others, i), &ref, error))
      return FALSE;
  *exists = ref.id != 0;
  return TRUE;
}

/* Whether ROW repeats an earlier row of the file; else its addresses join SEEN. */
static gboolean
row_repeated (GHashTable *seen, const PorteroImportRow *row)
{
  if (g_hash_table_contains (seen, row->email))
    return TRUE;
  for (guint i = 0; i < row->others->len; i++)
    if (g_hash_table_contains (seen, g_ptr_array_index (row->others, i)))
      return TRUE;
  g_hash_table_add (seen, g_strdup (row->email));
  for (guint i = 0; i < row->others->len; i++)
    g_hash_table_add (seen, g_strdup (g_ptr_array_index (row->others, i)));
  return FALSE;
}

static void
print_counts (const Counts *c, gboolean written, gboolean dry_run)
{
  if (written)
    printf (_("created: %u\n"), c->created);
  else
    printf (_("to create: %u\n"), c->created);
  guint skipped = c->existing + c->repeated + c->left_out;
  printf (_("skipped: %u"), skipped);
  if (skipped > 0)
    {
      const char *sep = " (";
      if (c->existing > 0)
        {
          printf (_("%s%u exist already"), sep, c->existing);
          sep = ", ";
        }
      if (c->repeated > 0)
        {
          printf (_("%s%u repeated in the file"), sep, c->repeated);
          sep = ", ";
        }
      if (c->left_out > 0)
        printf (_("%s%u disabled or guest accounts"), sep, c->left_out);
      printf (")");
    }
  printf ("\n");
  printf (_("invalid: %u\n"), c->invalid);
  if (dry_run)
    printf (_("dry run: nothing written\n"));
}

gboolean
portero_cmd_contact_import (PorteroCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *format_name = NULL;
  g_autofree char *customer = NULL;
  gboolean dry_run = FALSE, keep_going = FALSE;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name, N_("csv or azure-ad (default: detected)"), "FORMAT" },
    { "customer", 0, 0, G_OPTION_ARG_STRING, &customer, N_("File every contact under this customer (site)"),
      "NAME" },
    { "site", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &customer, NULL, "NAME" },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, N_("Check and count the rows, write nothing"), NULL },
    { "keep-going", 'k', 0, G_OPTION_ARG_NONE, &keep_going,
      N_("Import the valid rows even when some are invalid"), NULL },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, NULL, 1, 1, error))
    return FALSE;
  const char *path = argv[1];
  PorteroImportFormat format;
  if (!portero_import_format_parse (format_name, &format))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("--format: \"%s\" is neither csv nor azure-ad"),
                   format_name);
      return FALSE;
    }
  gint64 forced = 0, fallback = 0;
  if (customer != NULL)
    {
      if (!portero_store_customer_find (cli->store, customer, &forced, error))
        return FALSE;
      if (forced == 0)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("no %s named \"%s\""),
                       portero_cli_word (cli, "customer"), customer);
          return FALSE;
        }
    }

  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error_literal (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, local->message);
      return FALSE;
    }
  g_autoptr (PorteroImport) import = portero_import_parse (data, len, format, error);
  if (import == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  if (import->warning != NULL)
    fprintf (stderr, "%s: %s\n", path, import->warning);
  const char *source = portero_import_source (import->format);
  /* Declared before the first goto: cleanup must never see an unset pointer. */
  Counts counts = { 0 };
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean refused = FALSE;

  if (!dry_run && !portero_store_begin (cli->store, error))
    return FALSE;
  if (!portero_store_customer_default (cli->store, &fallback, error))
    goto fail;
  for (guint i = 0; i < import->rows->len; i++)
    {
      PorteroImportRow *row = g_ptr_array_index (import->rows, i);
      if (row->skip != NULL)
        {
          counts.left_out++;
          continue;
        }
      if (row->invalid != NULL)
        {
          report (path, row, row->invalid, &counts);
          continue;
        }
      gint64 customer_id = 0;
      if (!row_customer (cli, row, forced, fallback, &customer_id, error))
        goto fail;
      if (customer_id == 0)
        {
          g_autofree char *reason = g_strdup_printf (_("%s: no %s named \"%s\""), row->email,
                                                     portero_cli_word (cli, "customer"), row->customer);
          report (path, row, reason, &counts);
          continue;
        }
      if (row_repeated (seen, row))
        {
          counts.repeated++;
          continue;
        }
      gboolean exists = FALSE;
      if (!row_exists (cli, row, &exists, error))
        goto fail;
      if (exists)
        {
          counts.existing++;
          continue;
        }
      /* After an invalid row only checking goes on, unless --keep-going. */
      if (!dry_run && (keep_going || counts.invalid == 0))
        {
          gint64 id = 0;
          if (!portero_store_contact_add (cli->store, row->email, row->name, customer_id, source, &id, error))
            goto fail;
          if (row->main == 1 && !portero_store_contact_update (cli->store, id, 1, -1, NULL, 0, error))
            goto fail;
        }
      counts.created++;
    }

  refused = counts.invalid > 0 && !keep_going;
  if (!dry_run)
    {
      if (refused)
        portero_store_rollback (cli->store);
      else if (!portero_store_commit (cli->store, error))
        return FALSE;
    }
  print_counts (&counts, !dry_run && !refused, dry_run);
  if (refused)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("%s: %u invalid rows, nothing imported (--keep-going imports the valid ones)"), path,
                   counts.invalid);
      return FALSE;
    }
  return TRUE;

fail:
  if (!dry_run)
    portero_store_rollback (cli->store);
  return FALSE;
}
