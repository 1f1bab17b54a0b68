/* error - portero's GError domain and its codes */
#pragma once
#include <glib.h>

#define PORTERO_ERROR (portero_error_quark ())
GQuark portero_error_quark (void);

typedef enum {
  PORTERO_ERROR_TEMPFAIL,  /* transient: a retry or an administrator can fix it */
  PORTERO_ERROR_CONFIG,    /* configuration or key file unreadable or invalid */
  PORTERO_ERROR_DATA,      /* input that is no message at all (empty, no header) */
  PORTERO_ERROR_NOUSER,    /* recipient is not a support address */
  PORTERO_ERROR_NOT_FOUND, /* a named customer, contact or ticket does not exist */
  PORTERO_ERROR_INVALID,   /* a bad argument or a conflicting request */
  PORTERO_ERROR_SCHEMA,    /* the database is newer than this program */
} PorteroErrorCode;

/* Whether a G_FILE_ERROR is the moment's (too many open files, no memory,
 * an I/O error, interrupted) and not the file's (missing, unreadable by
 * mode, not a file): the first is retried, the second is the
 * administrator's to fix. */
gboolean portero_error_is_transient_file (const GError *error);
