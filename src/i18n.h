/* i18n - messages for people in their language (gettext; LANG decides) */
#pragma once
#define GETTEXT_PACKAGE "portero"
#include <glib/gi18n.h>
