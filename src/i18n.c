/* i18n - message catalogues, and translation into a given language */
#include "i18n.h"
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
portero_i18n_bind (void)
{
  const char *dir = getuid () == geteuid () && getgid () == getegid () ? g_getenv ("PORTERO_LOCALEDIR") : NULL;
  bindtextdomain (GETTEXT_PACKAGE, dir != NULL && *dir != '\0' ? dir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
}

/* gettext caches translations by message, not by LANGUAGE: setting the
 * current domain again (even the same one) is how a program says that
 * LANGUAGE changed. */
static void
language_changed (void)
{
  const char *domain = textdomain (NULL);
  g_autofree char *copy = g_strdup (domain);
  textdomain (copy);
}

const char *
portero_i18n_in (const char *lang, const char *msgid)
{
  /* The messages are written in English. */
  if (lang == NULL || *lang == '\0' || g_str_has_prefix (lang, "en"))
    return msgid;
  /* For this thread and this call only: a locale other than "C" (where
   * gettext ignores LANGUAGE) and LANGUAGE naming LANG. portero-deliver
   * sets no locale of its own and keeps none. */
  locale_t loc = newlocale (LC_MESSAGES_MASK | LC_CTYPE_MASK, "C.UTF-8", (locale_t) 0);
  if (loc == (locale_t) 0)
    return msgid;
  locale_t old = uselocale (loc);
  g_autofree char *saved = g_strdup (g_getenv ("LANGUAGE"));
  g_setenv ("LANGUAGE", lang, TRUE);
  language_changed ();
  const char *text = dgettext (GETTEXT_PACKAGE, msgid);
  if (saved != NULL)
    g_setenv ("LANGUAGE", saved, TRUE);
  else
    g_unsetenv ("LANGUAGE");
  language_changed ();
  uselocale (old);
  freelocale (loc);
  return text;
}
