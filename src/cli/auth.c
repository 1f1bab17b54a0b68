/* auth - portero auth USERNAME: check a portal password read on stdin */
#include "cli.h"
#include "../address.h"
#include "../credentials.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>

gboolean
portero_cmd_auth (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 1, 1, error))
    return FALSE;
  char buf[1024];
  gsize n = fread (buf, 1, sizeof buf - 1, stdin);
  buf[n] = '\0';
  buf[strcspn (buf, "\r\n")] = '\0';
  g_autofree char *address = portero_address_normalise (argv[1]);
  gint64 contact = 0;
  PorteroContactInfo info = { 0 };
  if (address != NULL && !portero_store_contact_by_address (cli->store, address, &contact, error))
    goto fail;
  if (contact != 0 && !portero_store_contact_info (cli->store, contact, &info, error))
    goto fail;
  /* Unknown users cost one argon2id check as well: the time says nothing. */
  gboolean current = portero_password_verify (info.password_hash, buf);
  gboolean pending = !current && info.pending_hash != NULL && portero_password_verify (info.pending_hash, buf);
  sodium_memzero (buf, sizeof buf);
  if (pending)
    {
      /* The first use of a pending password makes it the only one. */
      if (!portero_store_begin (cli->store, error)
          || !portero_store_contact_set_password (cli->store, contact, info.pending_hash, PORTERO_PASSWORD_CURRENT, error)
          || !portero_store_commit (cli->store, error))
        goto fail;
    }
  portero_contact_info_clear (&info);
  if (!current && !pending)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "authentication failed");
      return FALSE;
    }
  return TRUE;
fail:
  sodium_memzero (buf, sizeof buf);
  portero_contact_info_clear (&info);
  return FALSE;
}
