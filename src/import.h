/* import - the contact import file formats: CSV (RFC 4180) with a header
 * row, and Azure AD / Entra ID user exports (the portal's "Download users"
 * CSV and the Microsoft Graph /users JSON)
 *
 * Parsing only: rows come out with their addresses normalised and what is
 * wrong with them said; finding customers and writing contacts is the
 * command's (src/cli/contact-import.c). */
#pragma once
#include <glib.h>

/* ---- CSV, RFC 4180 ---- */

typedef struct {
  const char *p;
  const char *end;
  guint line;       /* the line P is on, from 1 */
  char delimiter;
} PorteroCsv;

typedef enum {
  PORTERO_CSV_RECORD,
  PORTERO_CSV_END,
  PORTERO_CSV_ERROR,
} PorteroCsvResult;

/* Read DATA (LEN bytes, not copied): a UTF-8 byte order mark is skipped; the
 * delimiter is taken from an Excel "sep=X" first line (which is skipped), else
 * it is whichever of , ; TAB the first line has most of outside quotes (","
 * when none: a Spanish Excel writes ";"). */
void portero_csv_init (PorteroCsv *csv, const char *data, gsize len);

/* The next record's fields (strings, FIELDS is emptied first) and the line it
 * starts on. Quoted fields may hold delimiters, doubled quotes and line
 * breaks (CRLF inside a field becomes LF); records end in CRLF, LF or CR.
 * Leniently, a quote inside an unquoted field and text after a closing quote
 * are kept as written. A quoted field that is never closed is
 * PORTERO_CSV_ERROR (PORTERO_ERROR_INVALID naming its line). */
PorteroCsvResult portero_csv_next (PorteroCsv *csv, GPtrArray *fields, guint *line, GError **error);

/* ---- contact import files ---- */

typedef enum {
  PORTERO_IMPORT_AUTO,        /* detect */
  PORTERO_IMPORT_CSV,         /* name, email, customer, main */
  PORTERO_IMPORT_AZURE_CSV,   /* the Entra admin center's "Download users" */
  PORTERO_IMPORT_AZURE_JSON,  /* Microsoft Graph GET /users: {"value": [...]} or [...] */
} PorteroImportFormat;

/* The format of DATA: JSON (first non-space character "{" or "[") is
 * Azure AD; CSV whose header has userPrincipalName is Azure AD; else CSV. */
PorteroImportFormat portero_import_detect (const char *data, gsize len);

/* "csv", "azure-ad" (also for "azure", "entra", "entra-id") or AUTO for
 * NULL; FALSE for anything else. */
gboolean portero_import_format_parse (const char *name, PorteroImportFormat *format);

/* The contact source the store records for FORMAT: "csv" or "azure-ad". */
const char *portero_import_source (PorteroImportFormat format);

typedef struct {
  guint line;        /* CSV: the line the record starts on (the header is 1); JSON: the element's index, from 0 */
  char *email;       /* normalised; NULL when the row is invalid */
  GPtrArray *others; /* other normalised addresses of the same person (Azure: the UPN beside mail); may be empty */
  char *name;        /* trimmed, may be "" */
  char *customer;    /* trimmed; NULL when the row names none */
  int main;          /* -1: not given, 0, 1 */
  char *invalid;     /* why the row cannot be imported, else NULL */
  char *skip;        /* why the row is left out (disabled or guest account), else NULL */
} PorteroImportRow;

void portero_import_row_free (PorteroImportRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PorteroImportRow, portero_import_row_free)

typedef struct {
  PorteroImportFormat format;   /* as detected when AUTO was asked */
  GPtrArray *rows;              /* of PorteroImportRow, in file order; blank CSV lines left out */
  char *warning;                /* something worth saying about the whole file, else NULL */
} PorteroImport;

void portero_import_free (PorteroImport *import);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PorteroImport, portero_import_free)

/* Parse DATA (LEN bytes) as FORMAT. Rows that are wrong are returned with
 * their reason; what makes the whole file unreadable (not CSV or JSON at all,
 * UTF-16, no email column, a quote never closed) is PORTERO_ERROR_INVALID.
 * Text that is not UTF-8 is read as Windows-1252 (what Excel's plain "CSV"
 * writes), with a warning. */
PorteroImport *portero_import_parse (const char *data, gsize len, PorteroImportFormat format, GError **error);
