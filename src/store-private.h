/* store-private - what the store's own modules share (store.c, store-json.c) */
#pragma once
#include "store.h"
#include "sql.h"

PorteroSql *portero_store_db (PorteroStore *store);
/* The statement for SQL with its parameters bound as FMT says (see
 * bind_args in store.c), ready to step; NULL on failure. */
PorteroSqlStmt *portero_store_query (PorteroStore *store, GError **error, const char *sql, const char *fmt, ...);
