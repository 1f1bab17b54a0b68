/* printer - the one place output is formatted: JSON for scripts, tables for people
 *
 * Commands build a JsonNode once; --json prints it as it is, otherwise the
 * same node is laid out as a table or as "Field: value" lines. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct {
  const char *header;  /* column heading or field label */
  const char *field;   /* member of each object */
} PorteroColumn;

/* NODE as JSON on stdout (pretty, UTF-8, one trailing newline). */
void portero_print_json (JsonNode *node);

/* An array of objects as a table with COLUMNS (ends with a NULL header). */
void portero_print_table (JsonArray *rows, const PorteroColumn *columns);

/* One object as "Label: value" lines. */
void portero_print_fields (JsonObject *object, const PorteroColumn *columns);

/* TEXT from mail on stdout: control characters other than newline and tab
 * (C1 too) are shown as U+FFFD so that no escape sequence reaches the terminal. */
void portero_print_text (const char *text);

/* Raw bytes of a message on stdout; on a terminal, control characters (C0
 * but line ends and tabs, DEL, C1) and bytes that are not UTF-8 are shown
 * escaped as \xNN. FALSE when stdout cannot be written. */
gboolean portero_print_bytes (const char *data, gsize len);

/* A member as text: strings as they are, numbers, yes/no, arrays joined. */
char *portero_print_value (JsonObject *object, const char *field);
