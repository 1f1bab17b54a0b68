/* log - one-line diagnostics to stderr and syslog
 *
 * What portero-deliver writes on stderr becomes the text of the bounce or
 * the deferral reason in Postfix's log, so it is one short line without
 * secrets, never starting with a status code by accident. */
#include "log.h"
#include <stdio.h>
#include <syslog.h>

static char *program_name;
static char *queue_id;

void
portero_log_open (const char *program)
{
  g_free (program_name);
  program_name = g_strdup (program);
  openlog (program_name, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
portero_log_set_queue_id (const char *id)
{
  g_free (queue_id);
  queue_id = id && *id ? g_strdup (id) : NULL;
}

void
portero_log_close (void)
{
  closelog ();
  g_clear_pointer (&program_name, g_free);
  g_clear_pointer (&queue_id, g_free);
}

static void
emit (int priority, gboolean to_stderr, const char *format, va_list ap)
{
  g_autofree char *text = g_strdup_vprintf (format, ap);
  /* One line: a newline inside would start a second, unprefixed one. */
  for (char *p = text; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  if (queue_id != NULL)
    syslog (priority, "%s: %s", queue_id, text);
  else
    syslog (priority, "%s", text);
  if (to_stderr)
    fprintf (stderr, "%s: %s\n", program_name ? program_name : "portero", text);
}

void
portero_log_info (const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  emit (LOG_INFO, FALSE, format, ap);
  va_end (ap);
}

void
portero_log_warn (const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  emit (LOG_WARNING, TRUE, format, ap);
  va_end (ap);
}

void
portero_log_error (const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  emit (LOG_ERR, TRUE, format, ap);
  va_end (ap);
}
