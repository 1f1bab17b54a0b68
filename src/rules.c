/* rules - filters/NAME.rule files: loading, checking, evaluating automation rules */
#include "rules.h"
#include "address.h"
#include "error.h"
#include "template.h"
#include "i18n.h"
#include <string.h>

typedef enum {
  OP_EQUALS, OP_NOT_EQUALS, OP_CONTAINS, OP_NOT_CONTAINS, OP_STARTS_WITH, OP_ENDS_WITH,
  OP_MATCHES, OP_IS_EMPTY, OP_IS_NOT_EMPTY,
} Operator;

typedef struct {
  char *name;          /* the group's name after "Condition " */
  PorteroProperty property;
  Operator op;
  char *value;
  char *folded;        /* value as compared */
  GRegex *regex;       /* OP_MATCHES */
} Condition;

typedef struct _Rule {
  char *file;
  char *name;
  char *description;
  PorteroTrigger trigger;
  gboolean ignore_flow;
  gboolean active;
  gboolean match_any;
  GPtrArray *conditions;  /* of Condition */
  GPtrArray *actions;     /* of PorteroAction */
  GHashTable *lines;      /* "group" and "group\nkey" -> line, for check messages */
  const char *text;       /* the file's text while it is loaded: lines is made from it when needed */
} Rule;

struct _PorteroRuleSet {
  GPtrArray *rules;       /* of Rule, in file-name order */
  /* Property text -> folded, for the set's life: a delivery evaluates the
   * rules up to four times on the same message, and folding a body of tens
   * of KB costs more than hashing it. */
  GHashTable *folds;
};

static const char *const trigger_names[] = {
  "ticket-created", "requester-responded", "contact-created", "status-changed",
};
/* The rule files' words; rule test shows them in the reader's language. */
static const char *const property_names[PORTERO_PROP_COUNT] = {
  N_ ("title"), N_ ("body"), N_ ("requester-email"), N_ ("requester-name"), N_ ("requester-domain"),
  N_ ("customer"), N_ ("destination"), N_ ("source"), N_ ("status"), N_ ("priority"),
};
static const char *const operator_names[] = {
  N_ ("equals"), N_ ("not-equals"), N_ ("contains"), N_ ("not-contains"), N_ ("starts-with"), N_ ("ends-with"),
  N_ ("matches"), N_ ("is-empty"), N_ ("is-not-empty"),
};
void
portero_rules_describe (const PorteroRuleSet *set, GPtrArray *lines)
{
  for (guint i = 0; i < set->rules->len; i++)
    {
      const struct _Rule *r = g_ptr_array_index (set->rules, i);
      g_autofree char *base = g_path_get_basename (r->file);
      g_ptr_array_add (lines, g_strdup_printf ("%-28s %-20s %-7s %s%s", base, trigger_names[r->trigger],
                                               r->active ? "yes" : "no", r->name, r->ignore_flow ? " (IgnoreFlow)" : ""));
    }
}

static const char *const statuses[] = { "open", "pending", "on-hold", "resolved", "closed", NULL };
static const char *const priorities[] = { "low", "normal", "high", "urgent", NULL };

const char *
portero_trigger_name (PorteroTrigger trigger)
{
  return trigger_names[trigger];
}

/* Whether NFC may end a piece of text right before C: C and the start of its
 * decomposition combine with nothing before them. Every character below
 * U+0300 is such a starter, and so are the kana, the CJK ideographs, the
 * Hangul syllables and leading jamo; the few starters that do compose with
 * what precedes them (Hangul vowel and trailing jamo, some Indic vowel
 * signs) lie elsewhere. */
static gboolean
nfc_boundary_before (gunichar c)
{
  if (c < 0x300)
    return TRUE;
  if (g_unichar_combining_class (c) != 0)
    return FALSE;
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x3040 && c <= 0x3096) || (c >= 0x30A0 && c <= 0x30FF)
         || (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7A3);
}

/* Pieces of about this many bytes are normalised one at a time:
 * g_utf8_normalize moves the rest of its buffer for every character it
 * recomposes, and sorts combining marks by exchanging neighbours, so that
 * its cost grows as the square of the length. */
#define FOLD_PIECE 1024

/* Whether to end a piece of LEN bytes before C, which follows PREV. Past
 * half as much again without a boundary above (no natural text goes so
 * long), a piece ends before a starter that does not compose with the
 * character before it; past twice as much, anywhere. */
static gboolean
cut_before (gunichar prev, gunichar c, gsize len)
{
  gunichar composed;
  if (len >= FOLD_PIECE && nfc_boundary_before (c))
    return TRUE;
  if (len >= FOLD_PIECE + FOLD_PIECE / 2 && g_unichar_combining_class (c) == 0
      && !g_unichar_compose (prev, c, &composed) && !(c >= 0x1160 && c <= 0x11FF) && !(c >= 0xD7B0 && c <= 0xD7FF))
    return TRUE;
  return len >= 2 * FOLD_PIECE;
}

/* Append TEXT's NFC form, case folded, to OUT, in linear time. */
static void
append_nfc_folded (GString *out, const char *text)
{
  const char *start = text;
  const char *p = text;
  while (*p != '\0')
    {
      const char *next = g_utf8_next_char (p);
      if (*next != '\0' && !cut_before (g_utf8_get_char (p), g_utf8_get_char (next), (gsize) (next - start)))
        {
          p = next;
          continue;
        }
      p = next;
      g_autofree char *nfc = g_utf8_normalize (start, p - start, G_NORMALIZE_NFC);
      g_autofree char *folded = g_utf8_casefold (nfc ? nfc : "", -1);
      g_string_append (out, folded);
      start = p;
    }
}

char *
portero_rules_fold (const char *text)
{
  /* ASCII text is its own NFC form and folds to lower case; the common case
   * is done in one pass, with the same result as the general one below. */
  const char *p = text ? text : "";
  while (*p != '\0' && (guchar) *p < 0x80)
    p++;
  if (*p == '\0')
    {
      GString *out = g_string_sized_new (p - (text ? text : ""));
      gboolean space = FALSE;
      for (const char *q = text ? text : ""; *q; q++)
        {
          /* the same five as g_unichar_isspace's below (neither counts \v) */
          if (g_ascii_isspace (*q))
            space = TRUE;
          else
            {
              if (space && out->len > 0)
                g_string_append_c (out, ' ');
              space = FALSE;
              g_string_append_c (out, g_ascii_tolower (*q));
            }
        }
      return g_string_free (out, FALSE);
    }
  /* Stepping through invalid UTF-8 could run past its end. */
  g_autofree char *valid = g_utf8_validate (text, -1, NULL) ? NULL : g_utf8_make_valid (text, -1);
  g_autoptr (GString) folded = g_string_new (NULL);
  append_nfc_folded (folded, valid ? valid : text);
  GString *out = g_string_sized_new (folded->len);
  gboolean space = FALSE;
  for (const char *p = folded->str; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_isspace (c))
        space = TRUE;
      else
        {
          if (space && out->len > 0)
            g_string_append_c (out, ' ');
          space = FALSE;
          g_string_append_unichar (out, c);
        }
    }
  return g_string_free (out, FALSE);
}

static void
condition_free (gpointer p)
{
  Condition *c = p;
  g_free (c->name);
  g_free (c->value);
  g_free (c->folded);
  if (c->regex)
    g_regex_unref (c->regex);
  g_free (c);
}

static void
action_free (gpointer p)
{
  PorteroAction *a = p;
  g_free (a->template);
  g_strfreev (a->to);
  g_free (a->value);
  g_free (a);
}

static void
rule_free (gpointer p)
{
  Rule *r = p;
  g_free (r->file);
  g_free (r->name);
  g_free (r->description);
  g_ptr_array_unref (r->conditions);
  g_ptr_array_unref (r->actions);
  if (r->lines != NULL)
    g_hash_table_unref (r->lines);
  g_free (r);
}

void
portero_rules_free (PorteroRuleSet *set)
{
  if (set == NULL)
    return;
  g_ptr_array_unref (set->rules);
  g_hash_table_unref (set->folds);
  g_free (set);
}

guint
portero_rules_count (const PorteroRuleSet *set)
{
  return set->rules->len;
}

gboolean
portero_rules_on (const PorteroRuleSet *set, PorteroTrigger trigger)
{
  for (guint i = 0; set != NULL && i < set->rules->len; i++)
    if (((const Rule *) g_ptr_array_index (set->rules, i))->trigger == trigger)
      return TRUE;
  return FALSE;
}

/* Where each group and key stands in TEXT, since GKeyFile does not say. */
static GHashTable *
index_lines (const char *text)
{
  GHashTable *lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto (GStrv) all = g_strsplit (text, "\n", -1);
  g_autofree char *group = g_strdup ("");
  for (int i = 0; all[i]; i++)
    {
      char *l = g_strstrip (all[i]);
      if (*l == '#' || *l == '\0')
        continue;
      gsize n = strlen (l);
      if (l[0] == '[' && l[n - 1] == ']')
        {
          g_free (group);
          group = g_strndup (l + 1, n - 2);
          g_hash_table_insert (lines, g_strdup (group), GINT_TO_POINTER (i + 1));
          continue;
        }
      const char *eq = strchr (l, '=');
      if (eq != NULL)
        {
          g_autofree char *key = g_strstrip (g_strndup (l, eq - l));
          g_hash_table_insert (lines, g_strconcat (group, "\n", key, NULL), GINT_TO_POINTER (i + 1));
        }
    }
  return lines;
}

static int
line_of (Rule *r, const char *group, const char *key)
{
  /* Only a problem needs a line number: most loads never index the file. */
  if (r->lines == NULL)
    r->lines = index_lines (r->text ? r->text : "");
  g_autofree char *k = key ? g_strconcat (group, "\n", key, NULL) : g_strdup (group);
  int line = GPOINTER_TO_INT (g_hash_table_lookup (r->lines, k));
  if (line == 0 && key != NULL)
    line = GPOINTER_TO_INT (g_hash_table_lookup (r->lines, group));
  return line ? line : 1;
}

#define PROBLEM(r, group, key, ...) \
  do { \
    g_autofree char *msg_ = g_strdup_printf (__VA_ARGS__); \
    g_ptr_array_add (problems, g_strdup_printf ("%s:%d: %s", (r)->file, line_of ((r), (group), (key)), msg_)); \
    ok = FALSE; \
  } while (0)

static int
find_name (const char *const *names, gsize n, const char *value)
{
  for (gsize i = 0; i < n; i++)
    if (g_ascii_strcasecmp (names[i], value) == 0)
      return (int) i;
  return -1;
}

static gboolean
get_bool (GKeyFile *kf, const char *group, const char *key, gboolean def, gboolean *out)
{
  g_autofree char *v = g_key_file_get_string (kf, group, key, NULL);
  if (v == NULL)
    {
      *out = def;
      return TRUE;
    }
  g_strstrip (v);
  if (g_ascii_strcasecmp (v, "true") == 0 || g_ascii_strcasecmp (v, "yes") == 0 || strcmp (v, "1") == 0)
    *out = TRUE;
  else if (g_ascii_strcasecmp (v, "false") == 0 || g_ascii_strcasecmp (v, "no") == 0 || strcmp (v, "0") == 0)
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

/* Keys a group may have; anything else is a typo worth reporting. */
static gboolean
check_keys (Rule *r, GKeyFile *kf, const char *group, const char *const *allowed, GPtrArray *problems)
{
  gboolean ok = TRUE;
  g_auto (GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);
  for (char **k = keys; k && *k; k++)
    if (!g_strv_contains (allowed, *k))
      PROBLEM (r, group, *k, "unknown key \"%s\" in [%s]", *k, group);
  return ok;
}

static gboolean
is_blank_name (const char *name)
{
  for (; *name; name++)
    if (!g_ascii_isspace (*name))
      return FALSE;
  return TRUE;
}

/* GROUP is "Condition NAME", with a name. */
static gboolean
parse_condition (Rule *r, GKeyFile *kf, const char *group, GPtrArray *problems)
{
  static const char *const allowed[] = { "Property", "Operator", "Value", NULL };
  gboolean ok = check_keys (r, kf, group, allowed, problems);
  Condition *c = g_new0 (Condition, 1);
  c->name = g_strdup (group + strlen ("Condition "));
  g_ptr_array_add (r->conditions, c);
  g_autofree char *prop = g_key_file_get_string (kf, group, "Property", NULL);
  g_autofree char *op = g_key_file_get_string (kf, group, "Operator", NULL);
  c->value = g_key_file_get_string (kf, group, "Value", NULL);
  if (c->value == NULL)
    c->value = g_strdup ("");
  int p = -1;
  if (prop == NULL)
    PROBLEM (r, group, NULL, "[%s] has no Property", group);
  else
    {
      g_strstrip (prop);
      /* IT mode's word and spaced spellings are the same properties. */
      if (g_ascii_strcasecmp (prop, "site") == 0)
        p = PORTERO_PROP_CUSTOMER;
      else
        {
          g_autofree char *dashed = g_strdelimit (g_strdup (prop), " _", '-');
          p = find_name (property_names, PORTERO_PROP_COUNT, dashed);
        }
      if (p < 0)
        PROBLEM (r, group, "Property", "unknown property \"%s\"", prop);
      c->property = p < 0 ? 0 : p;
    }
  int o = -1;
  if (op == NULL)
    PROBLEM (r, group, NULL, "[%s] has no Operator", group);
  else
    {
      g_strstrip (op);
      o = find_name (operator_names, G_N_ELEMENTS (operator_names), op);
      if (o < 0)
        PROBLEM (r, group, "Operator", "unknown operator \"%s\"", op);
      c->op = o < 0 ? 0 : o;
    }
  c->folded = portero_rules_fold (c->value);
  if (o == OP_MATCHES)
    {
      g_autoptr (GError) error = NULL;
      c->regex = g_regex_new (c->value, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, &error);
      if (c->regex == NULL)
        PROBLEM (r, group, "Value", "bad regular expression: %s", error->message);
    }
  return ok;
}

static gboolean
parse_action (Rule *r, GKeyFile *kf, const char *group, GPtrArray *problems)
{
  static const char *const allowed[] = { "Type", "Template", "To", "Status", "Priority", "Customer", "Site", "Value", NULL };
  gboolean ok = check_keys (r, kf, group, allowed, problems);
  PorteroAction *a = g_new0 (PorteroAction, 1);
  a->rule = r->name;
  g_ptr_array_add (r->actions, a);
  g_autofree char *type = g_key_file_get_string (kf, group, "Type", NULL);
  if (type == NULL)
    {
      PROBLEM (r, group, NULL, "[%s] has no Type", group);
      return ok;
    }
  g_strstrip (type);
  if (g_ascii_strcasecmp (type, "email-contact") == 0 || g_ascii_strcasecmp (type, "email-requester") == 0)
    a->type = PORTERO_ACTION_EMAIL_CONTACT;
  else if (g_ascii_strcasecmp (type, "email-address") == 0)
    a->type = PORTERO_ACTION_EMAIL_ADDRESS;
  else if (g_ascii_strcasecmp (type, "set-status") == 0)
    a->type = PORTERO_ACTION_SET_STATUS;
  else if (g_ascii_strcasecmp (type, "set-priority") == 0)
    a->type = PORTERO_ACTION_SET_PRIORITY;
  else if (g_ascii_strcasecmp (type, "set-customer") == 0 || g_ascii_strcasecmp (type, "set-site") == 0)
    a->type = PORTERO_ACTION_SET_CUSTOMER;
  else if (g_ascii_strcasecmp (type, "stop") == 0)
    a->type = PORTERO_ACTION_STOP;
  else
    {
      PROBLEM (r, group, "Type", "unknown action \"%s\"", type);
      return ok;
    }
  switch (a->type)
    {
    case PORTERO_ACTION_EMAIL_ADDRESS:
      {
        g_auto (GStrv) to = g_key_file_get_string_list (kf, group, "To", NULL, NULL);
        GPtrArray *list = g_ptr_array_new ();
        for (char **t = to; t && *t; t++)
          {
            if (*g_strstrip (*t) == '\0')
              continue;
            char *norm = portero_address_normalise (*t);
            if (norm == NULL)
              PROBLEM (r, group, "To", "\"%s\" is not a mail address", *t);
            else
              g_ptr_array_add (list, norm);
          }
        if (list->len == 0 && ok)
          PROBLEM (r, group, NULL, "email-address needs To=ADDRESS[;ADDRESS...]");
        g_ptr_array_add (list, NULL);
        a->to = (char **) g_ptr_array_free (list, FALSE);
      }
      G_GNUC_FALLTHROUGH;
    case PORTERO_ACTION_EMAIL_CONTACT:
      a->template = g_key_file_get_string (kf, group, "Template", NULL);
      if (a->template == NULL || *g_strstrip (a->template) == '\0')
        PROBLEM (r, group, NULL, "%s needs Template=NAME", type);
      break;
    case PORTERO_ACTION_SET_STATUS:
    case PORTERO_ACTION_SET_PRIORITY:
    case PORTERO_ACTION_SET_CUSTOMER:
      {
        const char *key = a->type == PORTERO_ACTION_SET_STATUS ? "Status"
                          : a->type == PORTERO_ACTION_SET_PRIORITY ? "Priority" : "Customer";
        a->value = g_key_file_get_string (kf, group, key, NULL);
        if (a->value == NULL && a->type == PORTERO_ACTION_SET_CUSTOMER)
          a->value = g_key_file_get_string (kf, group, "Site", NULL);
        if (a->value == NULL)
          a->value = g_key_file_get_string (kf, group, "Value", NULL);
        if (a->value == NULL || *g_strstrip (a->value) == '\0')
          PROBLEM (r, group, NULL, "%s needs %s=VALUE", type, key);
        else if (a->type == PORTERO_ACTION_SET_STATUS && !g_strv_contains (statuses, a->value))
          PROBLEM (r, group, key, "unknown status \"%s\" (open, pending, on-hold, resolved, closed)", a->value);
        else if (a->type == PORTERO_ACTION_SET_PRIORITY && !g_strv_contains (priorities, a->value))
          PROBLEM (r, group, key, "unknown priority \"%s\" (low, normal, high, urgent)", a->value);
      }
      break;
    case PORTERO_ACTION_STOP:
      break;
    }
  return ok;
}

static Rule *
load_rule (const char *path, GPtrArray *problems, GError **transient)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  Rule *r = g_new0 (Rule, 1);
  r->file = g_strdup (path);
  r->conditions = g_ptr_array_new_with_free_func (condition_free);
  r->actions = g_ptr_array_new_with_free_func (action_free);
  gboolean ok = TRUE;
  if (!g_file_get_contents (path, &text, NULL, &error))
    {
      if (transient != NULL && portero_error_is_transient_file (error))
        g_set_error (transient, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, "%s", error->message);
      else
        PROBLEM (r, "", NULL, "%s", error->message);
      rule_free (r);
      return NULL;
    }
  r->text = text;
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!g_key_file_load_from_data (kf, text, -1, G_KEY_FILE_NONE, &error))
    {
      PROBLEM (r, "", NULL, "%s", error->message);
      rule_free (r);
      return NULL;
    }
  static const char *const rule_keys[] = { "Name", "Description", "Trigger", "IgnoreFlow", "Active", "Match", NULL };
  if (!g_key_file_has_group (kf, "Rule"))
    PROBLEM (r, "", NULL, "no [Rule] group");
  else
    {
      ok = check_keys (r, kf, "Rule", rule_keys, problems) && ok;
      r->name = g_key_file_get_string (kf, "Rule", "Name", NULL);
      r->description = g_key_file_get_string (kf, "Rule", "Description", NULL);
      g_autofree char *trigger = g_key_file_get_string (kf, "Rule", "Trigger", NULL);
      if (trigger == NULL)
        PROBLEM (r, "Rule", NULL, "[Rule] has no Trigger");
      else
        {
          int t = find_name (trigger_names, G_N_ELEMENTS (trigger_names), g_strstrip (trigger));
          if (t < 0)
            PROBLEM (r, "Rule", "Trigger", "unknown trigger \"%s\" (ticket-created, requester-responded, "
                     "contact-created, status-changed)", trigger);
          r->trigger = t < 0 ? 0 : t;
        }
      if (!get_bool (kf, "Rule", "IgnoreFlow", FALSE, &r->ignore_flow))
        PROBLEM (r, "Rule", "IgnoreFlow", "IgnoreFlow is true or false");
      if (!get_bool (kf, "Rule", "Active", TRUE, &r->active))
        PROBLEM (r, "Rule", "Active", "Active is true or false");
      g_autofree char *match = g_key_file_get_string (kf, "Rule", "Match", NULL);
      if (match != NULL)
        {
          g_strstrip (match);
          if (g_ascii_strcasecmp (match, "any") == 0)
            r->match_any = TRUE;
          else if (g_ascii_strcasecmp (match, "all") != 0)
            PROBLEM (r, "Rule", "Match", "Match is all or any");
        }
    }
  if (r->name == NULL || *g_strstrip (r->name) == '\0')
    {
      g_free (r->name);
      r->name = g_path_get_basename (path);
    }
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  for (char **g = groups; *g; g++)
    {
      if (strcmp (*g, "Rule") == 0)
        continue;
      if (g_str_has_prefix (*g, "Condition ") && !is_blank_name (*g + strlen ("Condition ")))
        ok = parse_condition (r, kf, *g, problems) && ok;
      else if (g_str_has_prefix (*g, "Condition ") || strcmp (*g, "Condition") == 0)
        PROBLEM (r, *g, NULL, "[%s] has no name: [Condition NAME]", *g);
      else if (g_str_has_prefix (*g, "Action ") || strcmp (*g, "Action") == 0)
        ok = parse_action (r, kf, *g, problems) && ok;
      else
        PROBLEM (r, *g, NULL, "unknown group [%s] (Rule, Condition NAME, Action NAME)", *g);
    }
  for (guint i = 0; i < r->actions->len; i++)
    ((PorteroAction *) g_ptr_array_index (r->actions, i))->rule = r->name;
  if (r->actions->len == 0 && ok)
    PROBLEM (r, "Rule", NULL, "the rule has no [Action ...] group");
  r->text = NULL; /* freed with this frame */
  if (!ok)
    {
      rule_free (r);
      return NULL;
    }
  return r;
}

/* g_ptr_array_sort passes pointers to the elements. */
static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* As portero_rules_load; with TRANSIENT set, a folder or file that could
 * not be read for the moment's reason is that error, and NULL. */
static PorteroRuleSet *
load_set (const char *dir, GPtrArray *problems, GError **transient)
{
  g_autoptr (PorteroRuleSet) set = g_new0 (PorteroRuleSet, 1);
  set->rules = g_ptr_array_new_with_free_func (rule_free);
  set->folds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &error);
  if (d == NULL && transient != NULL && portero_error_is_transient_file (error))
    {
      g_set_error (transient, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, "%s", error->message);
      return NULL;
    }
  if (d == NULL)
    return g_steal_pointer (&set);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *n;
  while ((n = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (n, ".rule"))
      g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
      Rule *r = load_rule (path, problems, transient);
      if (transient != NULL && *transient != NULL)
        return NULL;
      if (r != NULL)
        g_ptr_array_add (set->rules, r);
    }
  return g_steal_pointer (&set);
}

PorteroRuleSet *
portero_rules_load (const char *dir, GPtrArray *problems)
{
  return load_set (dir, problems, NULL);
}

PorteroRuleSet *
portero_rules_read (const char *dir, GPtrArray *problems, GError **error)
{
  return load_set (dir, problems, error);
}

void
portero_rules_check_templates (const PorteroRuleSet *set, const char *templates, const char *lang,
                               GPtrArray *problems)
{
  for (guint i = 0; i < set->rules->len; i++)
    {
      Rule *r = g_ptr_array_index (set->rules, i);
      for (guint k = 0; k < r->actions->len; k++)
        {
          PorteroAction *a = g_ptr_array_index (r->actions, k);
          if (a->template == NULL)
            continue;
          g_autoptr (GError) error = NULL;
          g_autoptr (PorteroTemplate) t = portero_template_find (templates, a->template, lang, &error);
          if (t == NULL)
            g_ptr_array_add (problems, g_strdup_printf ("%s:%d: template \"%s\": %s", r->file,
                                                        line_of (r, "", NULL) , a->template, error->message));
        }
    }
}

void
portero_rule_outcome_init (PorteroRuleOutcome *out)
{
  memset (out, 0, sizeof *out);
  out->mails = g_ptr_array_new ();
  out->trace = g_ptr_array_new_with_free_func (g_free);
}

void
portero_rule_outcome_clear (PorteroRuleOutcome *out)
{
  g_free (out->status);
  g_free (out->priority);
  g_free (out->customer);
  g_clear_pointer (&out->mails, g_ptr_array_unref);
  g_clear_pointer (&out->trace, g_ptr_array_unref);
}

/* An event's properties, folded (and trimmed, for regular expressions) at
 * most once per evaluation: a body of tens of KB is tested by many rules. */
typedef struct {
  const PorteroRuleEvent *event;
  GHashTable *folds;   /* the set's: folded texts outlive the evaluation */
  const char *folded[PORTERO_PROP_COUNT];
  char *trimmed[PORTERO_PROP_COUNT];
} Props;

static void
props_clear (Props *p)
{
  for (int i = 0; i < PORTERO_PROP_COUNT; i++)
    g_free (p->trimmed[i]);
}

static const char *
props_folded (Props *p, PorteroProperty prop)
{
  if (p->folded[prop] == NULL)
    {
      const char *text = p->event->props[prop] ? p->event->props[prop] : "";
      char *folded = g_hash_table_lookup (p->folds, text);
      if (folded == NULL)
        {
          folded = portero_rules_fold (text);
          g_hash_table_insert (p->folds, g_strdup (text), folded);
        }
      p->folded[prop] = folded;
    }
  return p->folded[prop];
}

static const char *
props_trimmed (Props *p, PorteroProperty prop)
{
  if (p->trimmed[prop] == NULL)
    p->trimmed[prop] = g_strstrip (g_strdup (p->event->props[prop] ? p->event->props[prop] : ""));
  return p->trimmed[prop];
}

/* Whether condition C holds for the event; *WHY says why not. */
static gboolean
condition_holds (const Condition *c, Props *props, char **why)
{
  const char *text = props->event->props[c->property];
  const char *folded = c->op == OP_MATCHES ? "" : props_folded (props, c->property);
  gboolean holds = FALSE;
  switch (c->op)
    {
    case OP_EQUALS: holds = strcmp (folded, c->folded) == 0; break;
    case OP_NOT_EQUALS: holds = strcmp (folded, c->folded) != 0; break;
    case OP_CONTAINS: holds = strstr (folded, c->folded) != NULL; break;
    case OP_NOT_CONTAINS: holds = strstr (folded, c->folded) == NULL; break;
    case OP_STARTS_WITH: holds = g_str_has_prefix (folded, c->folded); break;
    case OP_ENDS_WITH: holds = g_str_has_suffix (folded, c->folded); break;
    case OP_MATCHES:
      holds = c->regex != NULL && g_regex_match (c->regex, props_trimmed (props, c->property), 0, NULL);
      break;
    case OP_IS_EMPTY: holds = *folded == '\0'; break;
    case OP_IS_NOT_EMPTY: holds = *folded != '\0'; break;
    }
  if (!holds && why != NULL)
    {
      /* Long bodies are cut in the trace: the first 60 characters. */
      const char *end = text ? text : "";
      for (int n = 0; n < 60 && *end; n++)
        end = g_utf8_next_char (end);
      g_autofree char *shown = g_strndup (text ? text : "", end - (text ? text : ""));
      *why = g_strdup_printf (_("condition \"%s\" failed: %s \"%s\" %s \"%s\""), c->name,
                              _(property_names[c->property]), shown, _(operator_names[c->op]), c->value);
    }
  return holds;
}

/* A set action's value as people read it: statuses and priorities in their
 * language, a customer's name as it is. */
static const char *
shown_value (const PorteroAction *a)
{
  return a->type == PORTERO_ACTION_SET_CUSTOMER ? a->value : _(a->value);
}

void
portero_rules_evaluate (const PorteroRuleSet *set, const PorteroRuleEvent *event, PorteroRuleOutcome *out)
{
  gboolean stopped = FALSE;
  Props props = { event, set->folds, { NULL }, { NULL } };
  for (guint i = 0; i < set->rules->len; i++)
    {
      Rule *r = g_ptr_array_index (set->rules, i);
      if (r->trigger != event->trigger)
        continue;
      g_autofree char *base = g_path_get_basename (r->file);
      if (!r->active)
        {
          g_ptr_array_add (out->trace, g_strdup_printf (_("%s (%s): not fired: inactive"), base, r->name));
          continue;
        }
      if (stopped && !r->ignore_flow)
        {
          g_ptr_array_add (out->trace, g_strdup_printf (_("%s (%s): not run: an earlier rule stopped"), base, r->name));
          continue;
        }
      gboolean fired = !r->match_any || r->conditions->len == 0;
      g_autofree char *why = NULL;
      for (guint k = 0; k < r->conditions->len; k++)
        {
          const Condition *c = g_ptr_array_index (r->conditions, k);
          g_autofree char *reason = NULL;
          gboolean holds = condition_holds (c, &props, &reason);
          if (r->match_any && holds)
            {
              fired = TRUE;
              break;
            }
          if (!r->match_any && !holds)
            {
              fired = FALSE;
              why = g_steal_pointer (&reason);
              break;
            }
          if (why == NULL && reason != NULL)
            why = g_steal_pointer (&reason);
        }
      if (!fired)
        {
          g_ptr_array_add (out->trace, g_strdup_printf (_("%s (%s): not fired: %s"), base, r->name,
                                                        why ? why : _("no condition held")));
          continue;
        }
      GString *did = g_string_new (NULL);
      for (guint k = 0; k < r->actions->len; k++)
        {
          PorteroAction *a = g_ptr_array_index (r->actions, k);
          char **field = a->type == PORTERO_ACTION_SET_STATUS ? &out->status
                         : a->type == PORTERO_ACTION_SET_PRIORITY ? &out->priority
                         : a->type == PORTERO_ACTION_SET_CUSTOMER ? &out->customer : NULL;
          if (field != NULL)
            {
              if (*field == NULL || r->ignore_flow)
                {
                  g_free (*field);
                  *field = g_strdup (a->value);
                  g_string_append_printf (did, _("; set %s"), shown_value (a));
                }
              else
                g_string_append_printf (did, _("; %s kept (set by an earlier rule)"), shown_value (a));
            }
          else if (a->type == PORTERO_ACTION_STOP)
            {
              stopped = TRUE;
              g_string_append (did, _("; stop"));
            }
          else
            {
              g_ptr_array_add (out->mails, a);
              g_string_append_printf (did, _("; mail with template %s"), a->template);
            }
        }
      g_ptr_array_add (out->trace, g_strdup_printf (_("%s (%s): fired%s"), base, r->name, did->str));
      g_string_free (did, TRUE);
    }
  props_clear (&props);
}

void
portero_rules_summary (const PorteroRuleSet *set, guint n, PorteroRuleSummary *out)
{
  const Rule *r = g_ptr_array_index (set->rules, n);
  *out = (PorteroRuleSummary) { r->file, r->name, r->description, r->trigger, r->active, r->ignore_flow };
}
