/* node.c: placeholder for the daemon; gossip and the control socket arrive in issue 5. */
#include "node/node.h"
const char *sr_node_version(void) { return SR_VERSION; }
