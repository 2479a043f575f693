/* node.h: the daemon (issue 5). For now only the version it reports. */
#ifndef SR_NODE_H
#define SR_NODE_H
#define SR_VERSION "0.1.0"
const char *sr_node_version(void);
#endif
