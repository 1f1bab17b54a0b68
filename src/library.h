/* library - shared libraries opened on first use instead of linked
 *
 * portero-deliver starts once a message; a library that only some messages
 * need (libxml2 for HTML-only mail, libesmtp for sending) is opened when one
 * does, by the soname configure found, and its functions looked up. */
#pragma once
#include <gmodule.h>

/* Look up NAMES[i] in MODULE into *SLOTS[i], N of them: all or FALSE. */
gboolean portero_library_symbols (GModule *module, const char *const *names, gpointer *const *slots, gsize n,
                                  GError **error);

/* Open SONAME and look up its functions as portero_library_symbols does.
 * On success *MODULE is the library, kept open for the life of the process;
 * on failure nothing stays open (PORTERO_ERROR_TEMPFAIL: an administrator
 * can install it). */
gboolean portero_library_open (const char *soname, const char *const *names, gpointer *const *slots, gsize n,
                               GModule **module, GError **error);
