/* credentials - portal passwords and one-time codes: generation, argon2id
 * hashing, verification. Nothing here touches the database or logs a secret. */
#pragma once
#include <glib.h>

/* Characters no one confuses when reading them aloud or off a screen:
 * no 0/O, 1/l/I. */
#define PORTERO_PASSWORD_ALPHABET "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"

/* The shortest password a person may choose (ASVS 2.1.1), in the portal and
 * with `portero auth --reset-code`; generated ones are longer still
 * ([credentials] password-length, at least 14). */
#define PORTERO_MIN_CHOSEN_PASSWORD 12

/* A new random password of LENGTH characters (libsodium's generator). */
char *portero_password_new (int length);

/* The argon2id hash (crypto_pwhash_str) of PASSWORD. NULL with
 * PORTERO_ERROR_TEMPFAIL when the memory for it cannot be had. */
char *portero_password_hash (const char *password, gint64 opslimit, gint64 memlimit, GError **error);

/* Whether PASSWORD matches HASH, in the time argon2id takes. HASH may be
 * NULL (an unknown user, no pending password): the same work is done against
 * a hash made with the configured limits, so that the answer takes as long. */
gboolean portero_password_verify (const char *hash, const char *password, gint64 opslimit, gint64 memlimit);

/* Whether HASH was made with weaker limits than the configured ones. */
gboolean portero_password_needs_rehash (const char *hash, gint64 opslimit, gint64 memlimit);

/* A new one-time code: 128 random bits as 32 hex characters; *HASH gets
 * the SHA-256 hex of it, the only form that is stored. */
char *portero_token_new (char **hash);

/* SHA-256 hex of TOKEN (as typed: surrounding white space ignored). */
char *portero_token_hash (const char *token);
