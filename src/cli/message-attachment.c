/* message-attachment - portero message attachment save ID N [FILE] */
#include "cli.h"
#include "../attachment.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A positive number as typed, or FALSE with an error naming WHAT. */
static gboolean
parse_number (const char *arg, const char *what, gint64 *out, GError **error)
{
  guint64 v = 0;
  if (!g_ascii_string_to_unsigned (arg, 10, 1, G_MAXINT64, &v, NULL))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, what, arg);
      return FALSE;
    }
  *out = (gint64) v;
  return TRUE;
}

/* Write BYTES to PATH: a new file (mode 0600) unless FORCE, never through a
 * symbolic link; "-" is standard output. */
static gboolean
write_file (const char *path, GBytes *bytes, gboolean force, GError **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  gboolean out = strcmp (path, "-") == 0;
  int fd = out ? STDOUT_FILENO
               : open (path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0600);
  if (fd < 0)
    {
      int e = errno;
      if (e == EEXIST)
        g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s exists already (--force replaces it)"), path);
      else
        g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("cannot write %s: %s"), path, g_strerror (e));
      return FALSE;
    }
  gsize done = 0;
  while (done < len)
    {
      ssize_t n = write (fd, data + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int e = errno;
          if (!out)
            close (fd);
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("cannot write %s: %s"), path, g_strerror (e));
          return FALSE;
        }
      done += (gsize) n;
    }
  if (!out && close (fd) != 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("cannot write %s: %s"), path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

gboolean
portero_cmd_message_attachment_save (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_("Replace FILE when it exists"), NULL },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, NULL, 2, 3, error))
    return FALSE;
  gint64 id = 0, n = 0;
  if (!parse_number (argv[1], _("\"%s\" is not a message number"), &id, error)
      || !parse_number (argv[2], _("\"%s\" is not an attachment number"), &n, error))
    return FALSE;
  g_autoptr (JsonNode) node = portero_cli_message_json (cli, id, error);
  if (node == NULL)
    return FALSE;
  JsonArray *atts = json_object_get_array_member (json_node_get_object (node), "attachments");
  guint count = atts ? json_array_get_length (atts) : 0;
  if (n > count)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND,
                   ngettext ("message %lld has %u attachment", "message %lld has %u attachments", count),
                   (long long) id, count);
      return FALSE;
    }
  g_autoptr (GBytes) raw = portero_store_message_raw (cli->store, id, error);
  if (raw == NULL)
    return FALSE;
  if (g_bytes_get_size (raw) == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("message %lld has no stored bytes (written by portero, or erased)"), (long long) id);
      return FALSE;
    }
  g_autoptr (GBytes) content = portero_attachment_content (raw, (guint) n, NULL, error);
  if (content == NULL)
    return FALSE;
  /* The name in the mail is the sender's: only its last component, cleaned,
   * in the current folder. A path is taken only from the technician. */
  JsonObject *a = json_array_get_object_element (atts, (guint) n - 1);
  g_autofree char *fallback = g_strdup_printf ("attachment-%lld-%lld", (long long) id, (long long) n);
  g_autofree char *path = argc > 3 ? g_strdup (argv[3])
                                   : portero_attachment_file_name (json_object_get_string_member (a, "name"), fallback);
  if (!write_file (path, content, force, error))
    return FALSE;
  if (strcmp (path, "-") != 0)
    printf (_("%s: %lld bytes saved\n"), path, (long long) g_bytes_get_size (content));
  return TRUE;
}
