/* error - portero's GError domain */
#include "error.h"

G_DEFINE_QUARK (portero-error-quark, portero_error)

gboolean
portero_error_is_transient_file (const GError *error)
{
  if (error == NULL || error->domain != G_FILE_ERROR)
    return FALSE;
  switch (error->code)
    {
    case G_FILE_ERROR_MFILE:
    case G_FILE_ERROR_NFILE:
    case G_FILE_ERROR_NOMEM:
    case G_FILE_ERROR_IO:
    case G_FILE_ERROR_AGAIN:
    case G_FILE_ERROR_INTR:
      return TRUE;
    default:
      return FALSE;
    }
}
