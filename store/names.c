/* names.c: the names of edge kinds and flow sources (store/store.h), as the
 * CLI, the web app and exports print them. Apart from store.c, so that what
 * only names things (the JSON Lines parser, its fuzz target) needs no LMDB. */
#include "store/store.h"

static const char *const edge_names[] = {NULL, "follow", "block", "member", "supporter", "share", "reshare"};
const char *sr_edge_kind_name(int kind) { return kind >= 1 && kind <= SR_EDGE_KINDS ? edge_names[kind] : "unknown"; }

static const char *const source_names[] = {"unknown", "self", "import", "peer", "reindex"};
const char *sr_source_name(int source) {
  return source >= SR_SRC_SELF && source <= SR_SRC_REINDEX ? source_names[source] : "unknown";
}
