/* redact - a password portero issued, quoted back in a customer's mail */
#pragma once
#include "config.h"
#include "mail.h"
#include "store.h"

/* Before MAIL is stored: when its sender is a contact and the text quotes
 * the contact's current or pending password (a customer replying to the
 * welcome mail), replace it with asterisks in the subject, the text and the
 * raw copy, so that no live password is kept in clear. *MASKED: how many
 * passwords were found. At most a few candidates are checked (argon2id is
 * slow); the raw copy is then no longer byte-identical. */
gboolean portero_redact_issued_passwords (PorteroStore *store, const PorteroConfig *config, PorteroMail *mail,
                                          int *masked, GError **error);
