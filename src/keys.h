/* keys - the installation's secrets: the secretbox key and the Message-ID HMAC key */
#pragma once
#include <glib.h>
#include <sodium.h>

typedef struct {
  unsigned char secretbox[crypto_secretbox_KEYBYTES];
  unsigned char hmac[crypto_auth_hmacsha256_KEYBYTES];
} PorteroKeys;

/* Read PATH. NULL with PORTERO_ERROR_CONFIG when unreadable or malformed.
 * Free with portero_keys_free (which wipes the memory). */
PorteroKeys *portero_keys_load (const char *path, GError **error);

/* Create PATH with fresh random keys, mode 0640, refusing to overwrite. */
gboolean portero_keys_create (const char *path, GError **error);

void portero_keys_free (PorteroKeys *keys);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PorteroKeys, portero_keys_free)
