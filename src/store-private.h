/* store-private - what the store's own modules share (store.c, store-json.c) */
#pragma once
#include "store.h"
#include "sql.h"

PorteroSql *portero_store_db (PorteroStore *store);
/* The statement for SQL with its parameters bound as FMT says (see
 * bind_args in store.c), ready to step; NULL on failure. */
PorteroSqlStmt *portero_store_query (PorteroStore *store, GError **error, const char *sql, const char *fmt, ...);

/* Who may read a knowledge-base article A: ALL (technicians) not 0, any real
 * customer's contact when CUSTOMERS is not 0, NAME the reader's customer.
 * Internal ones only for all. */
#define PORTERO_STORE_KB_VISIBLE(a, all, customers, name) \
  "(" all " <> 0 OR " a ".visibility = 'public' OR (" a ".visibility = 'customers' AND " customers " <> 0)" \
  " OR (" a ".visibility = 'customer' AND lower(" a ".customer) = lower(" name ")))"
