/* control_handlers.h: the table through which the control socket (control.h)
 * reaches the running node (daemon.h). */
#ifndef SR_CONTROL_HANDLERS_H
#define SR_CONTROL_HANDLERS_H
#include "node/control.h"
#include "node/daemon.h"

/* Fills h with the node's handlers for status, peers, peer_add, peer_remove,
 * publish, ingest, invite_create, web_login, fork_keep, device_add,
 * device_list and device_revoke, and the stop that "stop"
 * calls; ctx is n. */
void sr_node_control_handlers(sr_node_t *n, sr_control_handlers_t *h);

#endif
