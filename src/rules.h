/* rules - filters/NAME.rule files: loading, checking, evaluating automation rules
 *
 * One rule a file (GKeyFile), applied in file-name order: [Rule] with Name,
 * Description, Trigger, IgnoreFlow, Active, Match; any number of
 * [Condition ...] and [Action ...] groups. A broken file is skipped with a
 * "FILE:LINE: message" problem; it never stops mail intake. */
#pragma once
#include <glib.h>

typedef enum {
  PORTERO_TRIGGER_TICKET_CREATED,
  PORTERO_TRIGGER_REQUESTER_RESPONDED,
  PORTERO_TRIGGER_CONTACT_CREATED,
  PORTERO_TRIGGER_STATUS_CHANGED,
  PORTERO_TRIGGER_COUNT
} PorteroTrigger;

typedef enum {
  PORTERO_ACTION_EMAIL_CONTACT,
  PORTERO_ACTION_EMAIL_ADDRESS,
  PORTERO_ACTION_SET_STATUS,
  PORTERO_ACTION_SET_PRIORITY,
  PORTERO_ACTION_SET_CUSTOMER,
  PORTERO_ACTION_STOP,
} PorteroActionType;

/* The properties a condition can test, as text (NULL reads as ""). */
typedef enum {
  PORTERO_PROP_TITLE,
  PORTERO_PROP_BODY,
  PORTERO_PROP_REQUESTER_EMAIL,
  PORTERO_PROP_REQUESTER_NAME,
  PORTERO_PROP_REQUESTER_DOMAIN,
  PORTERO_PROP_CUSTOMER,
  PORTERO_PROP_DESTINATION,
  PORTERO_PROP_SOURCE,
  PORTERO_PROP_STATUS,
  PORTERO_PROP_PRIORITY,
  PORTERO_PROP_COUNT
} PorteroProperty;

typedef struct {
  PorteroTrigger trigger;
  const char *props[PORTERO_PROP_COUNT];
} PorteroRuleEvent;

typedef struct {
  PorteroActionType type;
  char *template;      /* email-* */
  char **to;           /* email-address: normalised addresses */
  char *value;         /* set-*: the new value */
  const char *rule;    /* the rule's Name (owned by the rule) */
} PorteroAction;

typedef struct _PorteroRuleSet PorteroRuleSet;

/* Load every *.rule of DIR (a missing folder is an empty set). Problems
 * ("FILE:LINE: message") are appended to PROBLEMS; those rules are left out. */
PorteroRuleSet *portero_rules_load (const char *dir, GPtrArray *problems);
void portero_rules_free (PorteroRuleSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PorteroRuleSet, portero_rules_free)
/* As portero_rules_load, but NULL with PORTERO_ERROR_TEMPFAIL when DIR or a
 * file in it could not be read just now (too many open files, an I/O
 * error): skipping that rule would be no fault of its file. */
PorteroRuleSet *portero_rules_read (const char *dir, GPtrArray *problems, GError **error);

guint portero_rules_count (const PorteroRuleSet *set);
/* Whether any rule, active or not, is on TRIGGER. */
gboolean portero_rules_on (const PorteroRuleSet *set, PorteroTrigger trigger);

/* One line per rule, in order: file, trigger, active, name. */
void portero_rules_describe (const PorteroRuleSet *set, GPtrArray *lines);

/* What a listing shows of the Nth rule (owned by the set). */
typedef struct {
  const char *file;
  const char *name;
  const char *description;
  PorteroTrigger trigger;
  gboolean active;
  gboolean ignore_flow;
} PorteroRuleSummary;
void portero_rules_summary (const PorteroRuleSet *set, guint n, PorteroRuleSummary *out);
/* Check that every template an action names exists in TEMPLATES for LANG;
 * problems appended as above. */
void portero_rules_check_templates (const PorteroRuleSet *set, const char *templates, const char *lang,
                                    GPtrArray *problems);

/* What the rules decided for one event. Field changes: the first rule that
 * sets a field wins, unless a later one has IgnoreFlow=true. Mails in order. */
typedef struct {
  char *status;
  char *priority;
  char *customer;
  GPtrArray *mails;   /* of const PorteroAction * (owned by the set) */
  GPtrArray *trace;   /* of char *: one line per rule, why it fired or not */
} PorteroRuleOutcome;

void portero_rule_outcome_init (PorteroRuleOutcome *out);
void portero_rule_outcome_clear (PorteroRuleOutcome *out);

void portero_rules_evaluate (const PorteroRuleSet *set, const PorteroRuleEvent *event, PorteroRuleOutcome *out);

const char *portero_trigger_name (PorteroTrigger trigger);

/* Text as rules compare it: trimmed, white space collapsed, case folded. */
char *portero_rules_fold (const char *text);
