/* stubs - commands being written; each answers that it is not there yet */
#include "cli.h"

#define STUB(fn) \
  gboolean fn (PorteroCli *cli, int argc, char **argv, GError **error) \
  { \
    g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "%s: not in this version yet", cli->phrase); \
    return FALSE; \
  }

STUB (portero_cmd_backup)
STUB (portero_cmd_customer_show)
STUB (portero_cmd_customer_rename)
STUB (portero_cmd_customer_domain_remove)
STUB (portero_cmd_customer_domain_list)
STUB (portero_cmd_contact_add)
STUB (portero_cmd_contact_show)
STUB (portero_cmd_contact_email_add)
STUB (portero_cmd_contact_email_remove)
STUB (portero_cmd_contact_set)
STUB (portero_cmd_contact_merge)
STUB (portero_cmd_contact_delete)
STUB (portero_cmd_contact_import)
STUB (portero_cmd_contact_reset_password)
STUB (portero_cmd_contact_request_reset)
STUB (portero_cmd_message_list)
STUB (portero_cmd_message_show)
STUB (portero_cmd_message_reprocess)
STUB (portero_cmd_ticket_reply)
STUB (portero_cmd_ticket_status)
STUB (portero_cmd_template_list)
STUB (portero_cmd_template_render)
