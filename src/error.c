/* error - portero's GError domain */
#include "error.h"

G_DEFINE_QUARK (portero-error-quark, portero_error)
