/* migrate - portero migrate-to URL: the configured SQLite database copied
 * into an empty PostgreSQL one (store-copy.c does the copy and its check) */
#include "cli.h"
#include "../store-copy.h"
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

/* One line on a terminal, rewritten as the rows go by. */
static void
show_progress (const char *table, gint64 done, gint64 total, gpointer data)
{
  int *width = data;
  fputc ('\r', stderr);
  int n = 1 + fprintf (stderr, _("copying %s: %" PRId64 " of %" PRId64 " rows"), table, (gint64) done, (gint64) total);
  if (n < *width)
    fprintf (stderr, "%*s", *width - n, "");
  *width = MAX (*width, n);
  fflush (stderr);
}

gboolean
portero_cmd_migrate_to (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 1, 1, error))
    return FALSE;
  const char *target = argv[1];
  gboolean tty = isatty (STDERR_FILENO);
  int width = 0;
  PorteroCopyReport report = { 0 };
  /* A generous wait: the copy waits for deliveries in progress to end. */
  gboolean ok = portero_store_copy (cli->config->database, target, cli->config->default_customer,
                                    MAX (cli->config->busy_timeout, 60), tty ? show_progress : NULL, &width,
                                    &report, error);
  if (tty && width > 0)
    fprintf (stderr, "\r%*s\r", width, "");
  if (!ok)
    return FALSE;
  for (guint i = 0; i < report.tables->len; i++)
    {
      gint64 rows = g_array_index (report.rows, gint64, i);
      printf (ngettext ("%s: %" PRId64 " row\n", "%s: %" PRId64 " rows\n", rows),
              (const char *) report.tables->pdata[i], rows);
    }
  printf (_("raw messages: %" PRId64 ", SHA-256 %s, the same in both databases\n"), report.messages,
          report.digest);
  printf (_("copied to %s. Set database= to it in portero.conf on every host, with key-file= naming a copy of %s\n"),
          target, cli->config->key_file);
  portero_copy_report_clear (&report);
  return TRUE;
}
