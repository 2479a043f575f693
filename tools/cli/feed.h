/* feed.h: the human view of `seurone log` (feed.c). */
#ifndef SR_CLI_FEED_H
#define SR_CLI_FEED_H
#include "tools/cli/cli.h"

typedef struct cli_feed {
  sr_store_t *st; /* names, projects and reshared entries are read from it */
  size_t width;   /* columns to wrap at */
  int has_self;
  uint8_t self[SR_KEY_BYTES];     /* self's person: self, or the person self is a device of */
  int devices;                    /* the store holds a device: authors are shown as persons */
  uint8_t last_key[SR_KEY_BYTES]; /* the author last_who names */
  char *last_who;
} cli_feed_t;

void cli_feed_init(cli_feed_t *fd, sr_store_t *st);
void cli_feed_free(cli_feed_t *fd);
/* Prints one entry as a feed item: header, text, reshared entry inline, id. */
void cli_feed_entry(cli_feed_t *fd, const sr_entry_t *e);

#endif
