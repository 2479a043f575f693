/* cli.h: what the `seurone` subcommands share — option parsing, the home,
 * the store and identity, output helpers. Each cmd_*.c holds one group. */
#ifndef SR_CLI_H
#define SR_CLI_H
#include "core/core.h"
#include "core/key.h"
#include "store/store.h"
#include "store/lookup.h"
#include "store/graphview.h"
#include "node/identity.h"
#include "node/entry_json.h"
#include <jansson.h>
#include <stdio.h>

/* Where a passphrase comes from (passphrase.c): a file (--passphrase-file),
 * a file descriptor (--passphrase-fd, fd_opt naming the option in messages),
 * else the terminal. */
typedef struct cli_pass_src {
  const char *file, *fd, *fd_opt;
} cli_pass_src_t;

typedef struct sr_cli {
  char home[4096];
  int json;
  cli_pass_src_t pass; /* of the key file (global --passphrase-file, --passphrase-fd) */
} sr_cli_t;

typedef struct sr_cmd {
  const char *name;
  int (*run)(sr_cli_t *cli, int argc, char **argv); /* argv[0] is the command name */
  const char *summary;
  const char *usage; /* full --help text */
} sr_cmd_t;

/* Exit codes: 0 ok, 1 the command found a problem (bad import line, verify
 * failure), 2 usage error, 3 environment error (no home, store, key...),
 * 4 the key file is sealed and its passphrase was wrong or not given. */
enum { SR_EXIT_OK = 0, SR_EXIT_PROBLEM = 1, SR_EXIT_USAGE = 2, SR_EXIT_ENV = 3, SR_EXIT_PASSPHRASE = 4 };

/* Prints "seurone: <message>" to stderr and returns code. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints usage help for cmd to stdout and returns 0; or, with code, to stderr. */
int cli_usage(const sr_cmd_t *cmd, int code);
const sr_cmd_t *cli_find(const char *name);

/* Option scanning: at argv[*i], matches "--name VALUE" or "--name=VALUE".
 * Returns 1 and sets *val (advancing *i past VALUE), 0 if argv[*i] is another
 * option, -1 if the value is missing (message printed). */
int cli_opt(int argc, char **argv, int *i, const char *name, const char **val);
int cli_is_help(const char *arg);

/* One line of a JSON Lines log (`export entries`, `import`): {"raw": base64 of
 * the entry bytes, "id": optional 64 hex, ...}. A line longer than
 * CLI_JSONL_LINE_MAX (an exported line is at most ~22 KB) is refused unread. */
#define CLI_JSONL_LINE_MAX 65536
typedef struct {
  uint8_t raw[SR_ENTRY_MAX];
  size_t len;
  int has_expect; /* the line named an "id" */
  uint8_t expect_id[SR_ID_BYTES];
  /* `export entries --with-flow`: the exporting node's first-arrival record,
   * {"observer", "received_at", "source", "from", "hops"} (docs/flow.md) */
  int has_flow;
  uint8_t observer[SR_KEY_BYTES];
  sr_flow_t flow;
  char why[200]; /* what is wrong with the line, when cli_jsonl_parse fails */
} cli_jsonl_t;
/* Parses text[0..n) (no newline; need not be NUL-terminated): 0, or -1 with
 * out->why set. */
int cli_jsonl_parse(const char *text, size_t n, cli_jsonl_t *out);

/* `export graph` (cmd_graphexport.c); its output files are opened and closed
 * as export entries' (cmd_exchange.c): "-" or NULL is stdout, errors printed. */
int cli_export_graph(sr_cli_t *cli, int argc, char **argv);
FILE *cli_open_out(const char *path);
int cli_close_out(FILE *f, const char *path);
/* --nodes held|all (docs/metrics.md, "Node sets") into *set: 0, or a usage
 * error printed and SR_EXIT_USAGE. */
int cli_nodeset(const char *s, enum sr_nodeset *set);

/* Opens the store of cli->home; prints a clear error and returns NULL if absent. */
sr_store_t *cli_open_store(sr_cli_t *cli, int create);
/* The key pair of cli->home in sodium_malloc'd memory (guard pages, mlock'd,
 * left out of core dumps): free it with sodium_free, which wipes it. A key
 * sealed with a passphrase is opened with cli->pass, else by asking on the
 * terminal (up to 3 times). NULL with the error printed when there is none,
 * and *code (may be NULL) the exit code: SR_EXIT_PASSPHRASE for a wrong or
 * missing passphrase. */
uint8_t *cli_load_key(sr_cli_t *cli, int *code);
/* Only the public half, with no passphrase (sr_identity_probe): 0, or an
 * error printed. */
int cli_load_pk(sr_cli_t *cli, uint8_t pk[SR_KEY_BYTES]);

/* Passphrases (passphrase.c), in sodium_malloc'd buffers of
 * SR_KEYFILE_PASS_MAX + 1 bytes: cli_pass_alloc, cli_pass_free (wipes). */
char *cli_pass_alloc(void);
void cli_pass_free(char *pass);
/* 1 when src names a file or a descriptor (else the terminal is asked). */
int cli_pass_given(const cli_pass_src_t *src);
/* Reads a passphrase from src, else asks on the terminal with prompt
 * (confirm: twice, until both agree; never empty). 0 with pass and *len
 * set; CLI_PASS_NO_TTY when there is no terminal to ask on (nothing
 * printed); else an exit code, the error printed. */
#define CLI_PASS_NO_TTY (-1)
int cli_pass_read(const cli_pass_src_t *src, const char *prompt, int confirm, char *pass, size_t *len);
/* cli_open_store(cli, 0), refused (NULL, error printed) unless the store
 * belongs to pk (sr_identity_check_store): every command that signs with the
 * key file opens the store this way, so a swapped key file never writes into
 * another identity's log. */
sr_store_t *cli_open_own_store(sr_cli_t *cli, const uint8_t pk[SR_KEY_BYTES]);
/* A key or id as a person types it (resolve.c), into 32 bytes. kind is what the
 * argument names (SR_FIND_PERSON, _ENTRY, _PROJECT; store.h): all 64 hex digits
 * are taken as given, known or not; a prefix of at least 8 hex digits must match
 * exactly one of that kind the node knows; a person's or project's exact name
 * must be unique. Otherwise prints why (an ambiguous one with its candidates)
 * and returns the exit code; what names the argument in messages. cli_resolve
 * opens cli's store when it needs it, cli_resolve_in uses st. */
int cli_resolve(sr_cli_t *cli, int kind, const char *what, const char *arg, uint8_t out[SR_KEY_LEN]);
int cli_resolve_in(sr_store_t *st, int kind, const char *what, const char *arg, uint8_t out[SR_KEY_LEN]);

/* Prints a JSON document (and a newline) to stdout and frees it. */
void cli_json_print(json_t *doc);
/* Writes before (unless NULL) and o as one JSON text on f, and releases o; or
 * nothing: SR_ENOMEM when jansson ran out of memory building or dumping it,
 * SR_EINVAL when o is NULL for another reason. */
SR_MUST_USE int cli_json_put(FILE *f, const char *before, json_t *o, size_t flags);
/* An output was lost (could not be built or written): cli_exit_code turns the
 * command's exit 0 into SR_EXIT_ENV, so that a script never takes a missing or
 * cut output for a success. */
void cli_output_lost(void);
int cli_exit_code(int rc);
/* A JSON string of s as it is when it is UTF-8, else of its escaped form (\xHH
 * for the bad bytes): for strings not checked before, like file names. The
 * JSON of entries, logs, the graph and flow is node/entry_json.h's. */
json_t *cli_json_text(const char *s);

/* Other people's text for people (text.c, core/text.h): escaped so that no
 * control, escape sequence or bidi override reaches the terminal, cut and padded
 * by display width. */
#define CLI_TEXT_WHOLE ((size_t)-1)
/* The escaped text, cut to width columns with an ellipsis (CLI_TEXT_WHOLE: not
 * cut); malloc'd, the caller frees it. */
char *cli_text_cut(const char *s, size_t len, size_t width);
/* Says "out of memory" and exits SR_EXIT_ENV: for a human output (the feed, a
 * table) that cannot go on, which writes nothing to the store. */
_Noreturn void cli_out_of_memory(void);
/* Prints the escaped text to f. */
void cli_text_put(FILE *f, const char *s, size_t len);
/* Prints the escaped text cut and padded to exactly width columns (a table cell). */
void cli_text_cell(FILE *f, const char *s, size_t len, size_t width);
/* Columns of the terminal on stdout; else $COLUMNS; else 80. */
size_t cli_term_width(void);
/* one when n is 1, else many: "1 entry", "2 entries". */
const char *cli_plural(size_t n, const char *one, const char *many);

uint64_t cli_now_ms(void);
/* ms since the epoch as "YYYY-MM-DD HH:MM" (UTC) into out; "-" for 0. */
void cli_time_utc(uint64_t ms, char *out, size_t cap);
/* Appends an entry of type with canonical content to this node's log: through
 * the running node when one runs (ts 0), else (or with an explicit ts) straight
 * into the store. Fills idhex and *seq; on failure prints why and returns the
 * exit code (cmd_identity.c). */
int cli_publish(sr_cli_t *cli, const char *type, const uint8_t *content, size_t len, uint64_t ts,
                char idhex[SR_HEX_ID_LEN + 1], uint64_t *seq);
/* Whether stderr is a terminal (progress lines are shown only there). */
int cli_tty(void);
/* Reads a secret code (an invite or device code) from fd to its end into code
 * (cap bytes, NUL-terminated, the blanks around it trimmed): 0, 1 when longer
 * than cap allows (or than CLI_CODE_READ_MAX), -1 on a read error. Everything
 * read is wiped: a code is a secret until it is used. */
#define CLI_CODE_READ_MAX 1024
int cli_read_code(int fd, char *code, size_t cap);
/* One status line on stderr, replaced in place; only when stderr is a terminal. */
void cli_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_status_clear(void);
/* A progress callback (ctx: what is being done): "what: done/total (p%)", at
 * most ~10 updates a second, ending the line when done reaches total. */
void cli_progress(void *ctx, size_t done, size_t total);

/* Commands, one per function. */
int cmd_init(sr_cli_t *, int, char **);
int cmd_id(sr_cli_t *, int, char **);
int cmd_members(sr_cli_t *, int, char **);
int cmd_publish(sr_cli_t *, int, char **);
int cmd_log(sr_cli_t *, int, char **);
int cmd_graph(sr_cli_t *, int, char **);
int cmd_verify(sr_cli_t *, int, char **);
int cmd_reindex(sr_cli_t *, int, char **);
int cmd_compact(sr_cli_t *, int, char **);
int cmd_backup(sr_cli_t *, int, char **);
/* `seurone restore` (cmd_restore.c): a backup file or a paper key into a new home. */
int cmd_restore(sr_cli_t *, int, char **);
int cmd_export(sr_cli_t *, int, char **);

/* People's profile names by key (cmd_flow.c), for labels and tables. */
typedef struct cli_names {
  uint8_t (*key)[SR_KEY_BYTES];
  char **name;
  size_t n, cap;
  sr_store_t *st; /* set when the store holds a device: each key is named by its person */
} cli_names_t;
/* Every person's name into ns (by person with devices: store/devices.h). */
SR_MUST_USE int cli_names_load(sr_store_t *st, cli_names_t *ns);
void cli_names_free(cli_names_t *ns);
/* The profile name as a JSON string, or null. */
json_t *cli_json_name(const cli_names_t *ns, const uint8_t *key);
/* "name (abcdef01)" (escaped, cut to 20 columns) or 16 hex digits; malloc'd. */
char *cli_short_who(const cli_names_t *ns, const uint8_t *key);
/* cmd_flow_size.c: `flow cascades --by-size`; idx holds every tree index
 * (reordered). group: CLI_GROUP_*. */
enum { CLI_GROUP_NONE, CLI_GROUP_AUTHOR, CLI_GROUP_PROJECT, CLI_GROUP_FILE };
struct sr_flowforest;
int cli_flow_by_size(sr_cli_t *cli, const struct sr_flowforest *x, uint32_t *idx, int group, const char *group_file,
                     const cli_names_t *ns);
/* cmd_export_flow.c: `export entries` (also --anonymise) and `export cascades`. */
int cli_export_entries(sr_cli_t *, int, char **);
int cli_export_cascades(sr_cli_t *, int, char **);
int cli_export_entries_anon(sr_cli_t *, int, char **);
int cmd_import(sr_cli_t *, int, char **);
int cmd_address(sr_cli_t *, int, char **);
int cmd_netkey(sr_cli_t *, int, char **);
int cmd_run(sr_cli_t *, int, char **);
int cmd_metrics(sr_cli_t *, int, char **);
int cmd_flow(sr_cli_t *, int, char **);
/* `seurone flow network` (cmd_flownet.c): network-wide flow from flow reports. */
int cmd_flow_network(sr_cli_t *, int, char **);
/* `seurone flow report` (cmd_flownet.c): the noised flow report this node would publish. */
int cmd_flow_report(sr_cli_t *, int, char **);
int cmd_status(sr_cli_t *, int, char **);
/* `seurone stop` and `seurone reload` (cmd_service.c): the running node as a service. */
int cmd_stop(sr_cli_t *, int, char **);
int cmd_reload(sr_cli_t *, int, char **);
int cmd_peers(sr_cli_t *, int, char **);
int cmd_peer(sr_cli_t *, int, char **);
int cmd_invite(sr_cli_t *, int, char **);
int cmd_ui(sr_cli_t *, int, char **);
/* `seurone key`, and `seurone device [status|claim]` (cmd_key.c): which copy
 * of a home publishes. */
int cmd_key(sr_cli_t *, int, char **);
int cli_device_home(sr_cli_t *, int, char **);
/* `seurone device` (cmd_device.c): a person's device keys (add, join, list,
 * revoke); status and claim go to cli_device_home. */
int cmd_device(sr_cli_t *, int, char **);
int cmd_fork(sr_cli_t *, int, char **);
int cmd_purge(sr_cli_t *, int, char **);
/* The store's forks for status (cmd_fork.c): "forked_authors" and "self_fork"
 * (node/entry_json.h) added to doc; 0 or an SR_E* code. */
int cli_forks_json(sr_cli_t *cli, sr_store_t *st, json_t *doc);
/* Their lines of `status` and `fork status`: the self-fork stop's sentence
 * and the forked authors, by name; nothing when there are none. */
void cli_forks_print(json_t *doc);
/* Talking to the running node (cmd_node.c): sends req (consumed) through the
 * control socket; 0 with *reply set (ok or not), SR_ENONODE when none runs, or
 * another error (already printed, naming the home). */
int cli_node_call(sr_cli_t *cli, json_t *req, json_t **reply);
/* For an {"ok":false} reply: prints the node's sentence and returns the exit code. */
int cli_node_refused(json_t *reply, const char *what);
/* o[key] as a string, or dflt when absent or not a string. */
const char *cli_jstr(json_t *o, const char *key, const char *dflt);
/* This node's seurone:// address: the running node's (run.json: the port it
 * really bound) unless listen is given, else the one the config describes
 * (listen, advertise; listen overrides the config's). Returns 0, or an exit code
 * after printing what is wrong (e.g. port 0 while no node runs). */
int cli_node_address(sr_cli_t *cli, const char *listen, char *out, size_t cap);

#endif
