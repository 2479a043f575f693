/* socialview.h: what the web app's views read (node/view.h): the edges of one
 * person or project, the newest entries of a set of authors (the feed), the
 * latest entry of a type in a log, reshare counts, states (socialview.c). Each
 * call runs in one read transaction of its own. */
#ifndef SR_STORE_SOCIALVIEW_H
#define SR_STORE_SOCIALVIEW_H
#include "core/err.h"
#include "store/store.h"

/* The latest entry of the given type in author's log (highest seq on the head
 * branch), copied into buf as sr_store_get_entry does, with its flow when flow
 * != NULL. It walks the log from the head down: cheap for a type written often
 * or lately, a walk of the whole log for one written once at the start (an
 * about entry before many shares). Errors: SR_ENOTFOUND (none held), SR_ETOOBIG. */
SR_MUST_USE int sr_store_latest_of_type(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], const char *type,
                                        uint8_t *buf, size_t cap, size_t *len, sr_flow_t *flow);

#endif
