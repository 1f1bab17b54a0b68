/* contact-import - portero contact import FILE: CSV and Azure AD / Entra ID exports */
#include "cli.h"

/* Not written yet: each answers so. */
#define STUB(fn) \
  gboolean fn (PorteroCli *cli, int argc, char **argv, GError **error) \
  { \
    g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "%s: not in this version yet", cli->phrase); \
    return FALSE; \
  }
STUB (portero_cmd_contact_import)
