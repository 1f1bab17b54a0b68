/* log - one-line diagnostics to stderr and to syslog, standard error or a file
 *
 * What portero-deliver writes on stderr becomes the text of the bounce or
 * the deferral reason in Postfix's log, so it is one short line without
 * secrets, never starting with a status code by accident. The log itself is
 * syslog by default; [portero] log= sends it to standard error (containers,
 * where nothing listens on /dev/log) or appends it to a file. */
#include "log.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

typedef enum { TARGET_SYSLOG, TARGET_STDERR, TARGET_FILE } Target;

static char *program_name;
static char *queue_id;
static Target target = TARGET_SYSLOG;
static int log_fd = -1;

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
portero_log_set_target (const char *name)
{
  if (log_fd >= 0)
    close (log_fd);
  log_fd = -1;
  target = TARGET_SYSLOG;
  if (name == NULL || *name == '\0' || strcmp (name, "syslog") == 0)
    return;
  if (strcmp (name, "stderr") == 0)
    {
      target = TARGET_STDERR;
      return;
    }
  /* O_APPEND: lines of concurrent deliveries never overwrite each other.
   * 0660, like the database: the technicians' commands log there too. */
  log_fd = open (name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0660);
  if (log_fd < 0)
    {
      int saved = errno;
      fprintf (stderr, "%s: log file %s: %s; logging to syslog\n",
               program_name ? program_name : "portero", name, g_strerror (saved));
      return;
    }
  target = TARGET_FILE;
}

gboolean
portero_log_syslog_reachable (void)
{
  /* The socket glibc's syslog(3) sends to (_PATH_LOG), datagram first, as
   * syslog(3) tries it. */
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  g_strlcpy (addr.sun_path, "/dev/log", sizeof addr.sun_path);
  int types[] = { SOCK_DGRAM, SOCK_STREAM };
  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      int fd = socket (AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
      if (fd < 0)
        continue;
      gboolean ok = connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0;
      close (fd);
      if (ok)
        return TRUE;
    }
  return FALSE;
}

void
portero_log_close (void)
{
  closelog ();
  if (log_fd >= 0)
    close (log_fd);
  log_fd = -1;
  target = TARGET_SYSLOG;
  g_clear_pointer (&program_name, g_free);
  g_clear_pointer (&queue_id, g_free);
}

static const char *
level_name (int priority)
{
  switch (priority)
    {
    case LOG_ERR: return "error";
    case LOG_WARNING: return "warning";
    default: return "info";
    }
}

static void
emit (int priority, gboolean to_stderr, const char *format, va_list ap)
{
  g_autofree char *text = g_strdup_vprintf (format, ap);
  const char *program = program_name ? program_name : "portero";
  /* One line: a newline inside would start a second, unprefixed one. */
  for (char *p = text; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  g_autofree char *prefixed = queue_id != NULL ? g_strdup_printf ("%s: %s", queue_id, text) : g_strdup (text);
  switch (target)
    {
    case TARGET_SYSLOG:
      syslog (priority, "%s", prefixed);
      break;
    case TARGET_STDERR:
      /* Warnings and errors are printed below, once. */
      if (!to_stderr)
        fprintf (stderr, "%s: %s\n", program, prefixed);
      break;
    case TARGET_FILE:
      {
        g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
        g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
        g_autofree char *line = g_strdup_printf ("%s %s[%ld]: %s: %s\n", stamp, program, (long) getpid (),
                                                 level_name (priority), prefixed);
        /* One write a line, so that concurrent writers' lines stay whole. */
        ssize_t ignored = write (log_fd, line, strlen (line));
        (void) ignored;
      }
      break;
    }
  if (to_stderr)
    fprintf (stderr, "%s: %s\n", program, text);
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
