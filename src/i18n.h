/* i18n - messages for people in their language (gettext; LANG decides) */
#pragma once
#define GETTEXT_PACKAGE "portero"
#include <glib/gi18n.h>

/* Find portero's message catalogues: under LOCALEDIR, or PORTERO_LOCALEDIR
 * (uninstalled programs: the tests) when the program runs with its
 * caller's own privileges. Sets no locale. */
void portero_i18n_bind (void);

/* MSGID (marked N_()) translated into LANG ("es", "en"), whatever language
 * the program itself speaks: mail and the notes automation leaves speak the
 * helpdesk's configured language. The string is gettext's, not to be freed. */
const char *portero_i18n_in (const char *lang, const char *msgid) G_GNUC_FORMAT (2);
