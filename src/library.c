/* library - shared libraries opened on first use instead of linked */
#include "library.h"
#include "error.h"

gboolean
portero_library_symbols (GModule *module, const char *const *names, gpointer *const *slots, gsize n,
                         GError **error)
{
  for (gsize i = 0; i < n; i++)
    if (!g_module_symbol (module, names[i], slots[i]))
      {
        g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, "%s", g_module_error ());
        return FALSE;
      }
  return TRUE;
}

gboolean
portero_library_open (const char *soname, const char *const *names, gpointer *const *slots, gsize n,
                      GModule **module, GError **error)
{
  g_autoptr (GError) local = NULL;
  GModule *m = g_module_open (soname, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (m == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, "cannot load %s: %s", soname, g_module_error ());
      return FALSE;
    }
  if (!portero_library_symbols (m, names, slots, n, &local))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, "cannot load %s: %s", soname, local->message);
      g_module_close (m);
      return FALSE;
    }
  *module = m;
  return TRUE;
}
