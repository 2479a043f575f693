/* main.c: `seurone` — command table, global options, help.
 * Global options come before the command: seurone [--home DIR] COMMAND [ARGS]
 * (--home, --json, --passphrase-file and --passphrase-fd are also accepted
 * after the command). */
#include "tools/cli/cli.h"
#include "node/control_req.h"
#include "store/usage.h"
#include "core/version.h"
#include <errno.h>
#include <string.h>

static const sr_cmd_t commands[] = {
    {"init", cmd_init, "create this node's identity and store",
     "usage: seurone [--home DIR] init [--json]\n"
     "Creates DIR (default $SEURONE_HOME, else ~/.seurone) with a new ed25519 key pair in\n"
     "DIR/secret (mode 0600), an empty store in DIR/store, and DIR/device, the machine and\n"
     "directory it was set up in (`seurone device`). An existing key is never overwritten, and\n"
     "no passphrase is asked (`seurone key passphrase` seals the key later).\n"
     "--json prints {\"id\": hex, \"home\": dir, \"created\": bool}.\n"},
    {"id", cmd_id, "print this node's identity",
     "usage: seurone id [--json]\n"
     "Prints the node's public key as 64 lowercase hex digits ({\"id\": hex} with --json).\n"},
    {"publish", cmd_publish, "append a signed entry to your log",
     "usage: seurone publish TYPE [FLAGS] [--json]\n"
     "  about       --name NAME [--bio TEXT]\n"
     "  contact     --who PERSON --state follow|unfollow|block\n"
     "  project     --name NAME [--description TEXT] [--tag TAG]... [--url URL]\n"
     "  membership  --project PROJECT --role member|supporter|left\n"
     "  share       [--text TEXT] [--link URL] [--project PROJECT] [--reshare ID]  (one of text, link, reshare)\n"
     "PERSON: a key (64 hex digits, or a unique prefix of 8 or more, as `log` prints it) or\n"
     "the exact name of someone the node knows; PROJECT: a project id, prefix or name; ID:\n"
     "an entry id or prefix. Refused (exit 2): yourself as --who, a project or entry id as\n"
     "--who, a person's key or a non-project entry as --project, a key as --reshare. Warned\n"
     "about but published (they may arrive later): a --who with no entry held, a --project\n"
     "with no project entry held, a --reshare of an entry not held (docs/cli.md).\n"
     "Prints the new entry id; --json: {\"id\": hex, \"seq\": n, \"warnings\": [str]}.\n"
     "--ts MS sets the timestamp (ms since epoch; default now) for tests and imports of old data.\n"},
    {"log", cmd_log, "show a log (yours or AUTHOR's), or every log",
     "usage: seurone log [AUTHOR|--all] [--json]\n"
     "Shows the entries of AUTHOR (default: your own; --all: every author), oldest first,\n"
     "as a feed: local time, the author's name, what the entry does in words, the whole\n"
     "text wrapped to the terminal (a reshared entry inline), the entry's short id.\n"
     "Control characters and bidi overrides in others' text are shown escaped (\\x1b, \\u202e).\n"
     "AUTHOR: a key (64 hex digits, or a unique prefix of 8 or more, as `log` prints it) or\n"
     "the exact name of someone the node knows.\n"
     "--json prints an array of {id, author, seq, prev, ts, type, content, received_at,\n"
     "source, from, hops, author_name}; binary values in content are hex; strings are\n"
     "UTF-8 as written. Forked authors are marked, and\n"
     "their fork proofs are listed after the log (in JSON: objects with \"fork_proof\": true).\n"},
    {"graph", cmd_graph, "show the graph derived from every log held",
     "usage: seurone graph [--json]\n"
     "--json prints {people: [{id, name, seq, forked, self}], projects: [{id, name, author}],\n"
     "edges: {follow, block, member, supporter, share, reshare: [[src, dst], ...]},\n"
     "forked_authors: [{author, seq, head, fork}]}.\n"},
    {"verify", cmd_verify, "re-validate the whole store",
     "usage: seurone verify [--json]\n"
     "Re-checks every entry (canonical form, signature, schema), every log chain, every\n"
     "head and fork proof. Exits 1 when anything is wrong. --json: {ok, entries, problems}.\n"},
    {"reindex", cmd_reindex, "rebuild the derived indexes from the entries",
     "usage: seurone reindex [--json]\n"
     "Rebuilds logs, heads, graph edges, projects and forks from the stored entries alone.\n"},
    {"compact", cmd_compact, "give the store's free pages back to the disk (node stopped)",
     "usage: seurone compact [--json]\n"
     "Writes a copy of the store without its free pages (the pages LMDB keeps for reuse:\n"
     "after an upgrade, a purge or many writes) beside it and renames it over the old file,\n"
     "so a crash leaves one or the other. The node must be stopped, and no other seurone\n"
     "command may have the store open; it takes about 1.5 s per 100 MiB in use (5.4 s\n"
     "for a million entries, 381 MiB).\n"
     "--json: {ok, file_bytes_before, used_bytes, free_bytes, disk_bytes_after, seconds}.\n"},
    {"backup", cmd_backup, "back up your identity: one file, or a paper key",
     "usage: seurone backup FILE [--passphrase-file F | --passphrase-fd N] [--json]\n"
     "       seurone backup --paper [--json]\n"
     "       seurone backup --store-only FILE [--json]\n"
     "FILE: one file (mode 0600) holding your key sealed with a passphrase, your config and\n"
     "  the store (a consistent copy, made while the node runs); never HOME/device or the web\n"
     "  token. A key file sealed already is kept as it is (no passphrase asked); an unsealed\n"
     "  one is sealed for the backup with a passphrase asked twice on the terminal, or read\n"
     "  from --passphrase-file F (its first line, mode 0600) or --passphrase-fd N. FILE must\n"
     "  not exist; it is written to FILE.tmp, fsynced and renamed (format: docs/backup.md).\n"
     "  It holds whom you follow and talk to: keep it safe. `seurone restore FILE` brings it\n"
     "  back. --json: {file, bytes, id, entries, seq, config, passphrase_new, holds}.\n"
     "--paper: prints the key as a paper key, 64 characters in 8 groups with a check that\n"
     "  catches a wrong or swapped character; copy it by hand, keep it offline (a sealed key\n"
     "  asks for its passphrase). --json: {id, paper_key, version}.\n"
     "--store-only FILE: the store alone, as an LMDB data file (to restore: put it as\n"
     "  HOME/store/data.mdb beside the key file). --json: {file, entries, also_back_up}.\n"},
    {"restore", cmd_restore, "restore an identity from a backup or a paper key, without forking it",
     "usage: seurone --home DIR restore FILE [--json]\n"
     "       seurone --home DIR restore --paper [--paper-file F] [--passphrase-file F | --passphrase-fd N |\n"
     "                                  --no-passphrase] [--json]\n"
     "       seurone restore --no-other-copy --yes [--json]\n"
     "Into a new or empty home (no key file, no store): FILE, a backup (`seurone backup`), is\n"
     "checked whole first (its checksum), then the key (sealed as it was), the config and the\n"
     "store are written; --paper reads a paper key typed on the terminal (or from F; - is\n"
     "standard input), tolerant of case, spaces and dashes, says which group is wrong, and\n"
     "seals the key with a passphrase when asked to (on the terminal, or --passphrase-file/-fd;\n"
     "--no-passphrase: unsealed). This machine becomes the home's device (`seurone device`).\n"
     "The restored home publishes nothing until it has fetched your own latest entry from a\n"
     "peer or relay (a peer said how far it holds your log, and this node holds as much): a\n"
     "restore never forks your log. `status` shows it as restore_pending.\n"
     "--no-other-copy --yes: lifts that wait, when no peer or relay holds your log and no\n"
     "  other copy of the identity exists anywhere. --json: {cleared}.\n"
     "--json: {id, home, entries, seq, sealed, config, restore_pending} (paper: {id, home,\n"
     "sealed, restore_pending}). Exit 1 for a damaged backup or a paper key that does not check.\n"},
    {"export", cmd_export, "export entries (JSON Lines), the graph (GraphML, CSV, GEXF) or cascades",
     "usage: seurone export entries [--author PERSON] [--with-flow] [--out FILE]\n"
     "       seurone export entries --anonymise [--salt-file FILE] [--out FILE]\n"
     "       seurone export graph --format graphml|csv|gexf [--view V] [--nodes held|all]\n"
     "                            [--out FILE] [--node-table FILE]\n"
     "       seurone export cascades --format csv|jsonl [--observer self|NODE] [--anonymise\n"
     "                               [--salt-file FILE]] [--out FILE]\n"
     "entries: one JSON object a line: {id, author, seq, type, raw (base64 entry bytes)};\n"
     "  logs in author then seq order, fork proofs after them. --author PERSON: a key, a\n"
     "  unique prefix of 8+ hex digits, or a person's exact name. --with-flow adds this\n"
     "  node's first-arrival record, flow {observer, received_at, source, from, hops}:\n"
     "  `import` elsewhere keeps it as this node's observation, never as its own.\n"
     "graph: one view, one edge kind (docs/metrics.md, \"Export\"): --view contact (default;\n"
     "  the graph of `metrics`, so nx.pagerank of it is `metrics pagerank`), membership,\n"
     "  projects (weight: shared members), reshares (resharer -> the author of the entry\n"
     "  reshared; weight: how often); all: every kind at once (a multigraph, every key known).\n"
     "  Nodes: kind, name, held (this node holds their log); edges: weight, first and last\n"
     "  time (ms). --nodes as for metrics (default held). gexf: dynamic, each edge from its\n"
     "  first time (Gephi's timeline). csv: Source,Target,Type,Weight,First,Last (Gephi's\n"
     "  edge table); --node-table FILE also writes Id,Label,Kind,Held.\n"
     "cascades: one row per entry of every reshare cascade: entry, root, parent (the entry\n"
     "  it reshared, not the root), author, person, project, created_at, received_at,\n"
     "  source, hops, from, depth, observer (and orphan in JSON Lines). --observer NODE: the\n"
     "  arrival columns from NODE's records imported with --with-flow (default self).\n"
     "--anonymise: keys and ids as salted hashes (BLAKE2b, 32 hex digits), no text, names\n"
     "  or links; structure and times kept (what it still reveals: docs/flow.md). A new\n"
     "  random salt each time, or the one in --salt-file FILE (made, mode 0600, if absent).\n"},
    {"import", cmd_import, "ingest entries from a JSON Lines file (offline sync)",
     "usage: seurone import FILE|- [--json] [--batch N] [--verbose]\n"
     "Validates every line; good entries are stored, bad lines are reported with their line\n"
     "number and reason and never stored. Each batch of N lines (default 5000, fewer when\n"
     "they hold 4 MiB of entries) is one transaction, so memory stays small whatever the\n"
     "file's size; a line longer than 64 KiB is rejected unread. --verbose prints a line\n"
     "after each committed batch. Exits 1 if any line\n"
     "was bad. A line's flow object (export entries --with-flow) is kept as the exporting\n"
     "node's observation of that entry (export cascades --observer), never as this node's.\n"
     "--json: {accepted, duplicates, forks, rejected: [{line, reason}], observations?,\n"
     "observations_skipped? (with flow records)}.\n"},
    {"address", cmd_address, "print this node's copy-pasteable address",
     "usage: seurone address [--listen HOST:PORT] [--json]\n"
     "Prints seurone://HOST:PORT/KEY, what another node needs to dial this one. While the\n"
     "node runs, that is its address from HOME/run.json (with the port really bound).\n"
     "Otherwise HOST:PORT come from --listen, else `listen` in HOME/config (default\n"
     "0.0.0.0:8708); a wildcard host is replaced by `advertise` from the config, else this\n"
     "machine's first non-loopback IPv4 address. --json: {\"address\", \"host\", \"port\", \"key\"}.\n"},
    {"netkey", cmd_netkey, "make a network key for a closed network",
     "usage: seurone netkey new [--json]\n"
     "Prints 32 random bytes as 64 hex digits. Nodes that share it (network_key = ... in\n"
     "HOME/config) form a network that outsiders cannot even handshake with.\n"
     "--json: {\"network_key\"}.\n"},
    {"run", cmd_run, "run the node: listen, gossip, keep logs in sync",
     "usage: seurone run [--listen HOST:PORT] [--relay] [--lan] [--web HOST:PORT|off] [--json-log]\n"
     "Runs the node in the foreground on one event loop: it listens, dials the peers it knows\n"
     "(the peer table, `bootstrap` lines of the config), and keeps the logs in its scope in sync.\n"
     "Settings come from HOME/config (every key: docs/config.md); the flags override it:\n"
     "  --listen HOST:PORT  where to listen (IPv6 as [::]:PORT; port 0 picks a free port)\n"
     "  --relay             relay mode: replicate the members that accepted this node's invites\n"
     "  --lan               friends nearby: announce this node on the local network (sealed with\n"
     "                      the network key) and connect to the people of its scope found there\n"
     "  --web HOST:PORT|off the web app (`seurone ui`; default 127.0.0.1:8737, off for a relay)\n"
     "  --json-log          log lines on stderr as JSON objects instead of logfmt fields\n"
     "While it runs, HOME/run.json holds {pid, address, listen, control, web} (address with the\n"
     "port really bound) and HOME/control.sock (mode 0600) takes requests from the other\n"
     "commands: publish, peer add, status, peers, address and invite go through the node.\n"
     "To stop it: `seurone stop`, Ctrl-C (SIGINT) or SIGTERM (`kill -TERM PID`, PID from run.json);\n"
     "`seurone reload` or SIGHUP makes it read HOME/config again (docs/operating.md).\n"
     "Everything received is committed first, connections close, run.json and the socket\n"
     "are removed, and it exits 0. Exit 3 when it cannot start (bad config, no store, port\n"
     "in use, a node already running in this home).\n"
     "A key file sealed with a passphrase (`seurone key`) is opened first: the passphrase is\n"
     "asked on the terminal, or read from --passphrase-file FILE or --passphrase-fd N (exit 4\n"
     "when wrong or missing). A copy of a home (`seurone device`) runs and syncs, but publishes\n"
     "nothing until `seurone device claim`.\n"},
    {"status", cmd_status, "show what the node is doing (or what its store holds)",
     "usage: seurone status [--json]\n"
     "Asks the node running in the home. When none runs it says how to start it, shows what\n"
     "the store knows and exits 3 (with --json too, after printing the document). --json, running: {running: true, id, uptime_s, relay, address,\n"
     "peers: [{key, name (its about name, or null), member (of this relay), address,\n"
     "direction, entries_in, entries_out, ...}], members (a relay: how many; else null), entries_in,\n"
     "entries_out, bytes_in, bytes_out, duplicates, rejected, store_bytes, store_entries,\n"
     "known_peers, pushsum {epoch, leader, size_estimate, averages, rounds, running,\n"
     "epoch_s, interval_ms} (push-sum estimate of the network, docs/network-stats.md),\n"
     "forked_authors: [{id, name, seq, self}], self_fork: null or {reason, seq, id, from, at,\n"
     "message} (another copy of your identity published: `seurone fork`), restore_pending:\n"
     "null or {since, paper, peer_head, from, head, message} (`seurone restore`), fork_proofs {in,\n"
     "out, dropped}, ...}; not running: {running: false, id, relay, address: null,\n"
     "store_entries, store_authors, store_bytes, known_peers, peers: [], forked_authors,\n"
     "self_fork, restore_pending}.\n"},
    {"stop", cmd_stop, "stop the node running in the home, and wait until it has",
     "usage: seurone stop [--timeout SECONDS] [--json]\n"
     "Asks the node running in the home to stop (as SIGTERM does: what it received is\n"
     "committed, sessions close, run.json and the control socket go) and waits until its\n"
     "process has exited, at most SECONDS (default 60). Exit 0 once it has stopped; 1 when\n"
     "it still runs after the timeout; 3 when no node runs in the home (nothing to stop) or\n"
     "it does not answer. --json: {stopped: true, pid, waited_ms}.\n"},
    {"reload", cmd_reload, "make the running node read its config again",
     "usage: seurone reload [--json]\n"
     "Asks the node running in the home to read HOME/config again, as SIGHUP does, without\n"
     "ending a session. Keys that apply at once: hops, bootstrap, max_conns, idle_timeout_ms,\n"
     "rate_frames_per_s, rate_bytes_per_s, max_queue_bytes, flow_report, flow_epsilon,\n"
     "flow_report_interval; the others, when changed, are listed and apply at the next start\n"
     "(docs/operating.md). A config the node would not start with is refused, with its file,\n"
     "line and problem, and the node runs on with the config it had: exit 1. Exit 3 when no\n"
     "node runs in the home. --json: {config, applied: [keys], restart: [keys]}.\n"},
    {"peers", cmd_peers, "list the peer table",
     "usage: seurone peers [--json]\n"
     "Every peer this node knows (added by hand, from the config, learned, relays), with its\n"
     "live state when the node runs, and every address it keeps for it, in the order the node\n"
     "dials them (those that worked, newest first, then the untried). A connected peer shows\n"
     "how long it has been connected, its name (its about entry) and, on a relay, whether it is\n"
     "a member. --json: an array of {key, name, member, address (the first),\n"
     "addresses: [{address, last_ok (ms, 0 never), failures}], connected, connected_since\n"
     "(ms or null), direction (inbound|outbound|null), entries_in, entries_out, last_seen\n"
     "(ms, 0 never; now while connected), failures, score,\n"
     "source (manual|bootstrap|learned|relay)}.\n"},
    {"peer", cmd_peer, "add or remove a peer or one of its addresses",
     "usage: seurone peer add ADDRESS [--json]\n"
     "       seurone peer remove KEY|ADDRESS [--json]\n"
     "ADDRESS is what `seurone address` prints on the other node: seurone://HOST:PORT/KEY.\n"
     "add: a running node dials it at once; otherwise it goes into the peer table and the\n"
     "node dials it when it starts. An address added to a known peer is kept beside the\n"
     "ones that worked (up to 8), never instead of them. --json: {address, key, dialing}.\n"
     "remove KEY (64 hex digits): forgets the peer and all its addresses. remove ADDRESS:\n"
     "forgets that one address of its peer (as `seurone peers` prints it). Through the\n"
     "running node when one runs, else in the store; a live session goes on until it ends.\n"
     "--json: {key, address (null for the whole peer), removed: \"peer\"|\"address\",\n"
     "addresses_left, connected, node_running}.\n"},
    {"invite", cmd_invite, "relay invites: create, list, revoke one, or accept one",
     "usage: seurone invite create [--uses N] [--expires 7d] [--json]\n"
     "       seurone invite list [--json]\n"
     "       seurone invite revoke ID [--json]\n"
     "       seurone invite accept - [--json]          (the code on standard input)\n"
     "       seurone invite accept --file FILE [--json]\n"
     "       seurone invite accept CODE [--json]\n"
     "create (on a relay): prints a code seurone-invite:1:ADDRESS:NETWORK-KEY:SECRET that can\n"
     "  be redeemed N times (default 1). The address is the running node's, else the one\n"
     "  the config describes (as `seurone address`). --expires: how long it is valid, a whole\n"
     "  number and m, h or d (minutes, hours, days; at most a year), or never; default 7d.\n"
     "  --json: {code, id, address, uses, expires_ms (null: never)}.\n"
     "list (on a relay): every invite with its id (16 hex digits, not the secret), state\n"
     "  (active, used up, expired, revoked), uses left, when made and when it expires, and\n"
     "  the members who joined with it. Expired and revoked invites are dropped a day later.\n"
     "  --json: [{id, state, uses_left, created_ms, expires_ms, revoked_ms, members: [{key,\n"
     "  name, removed}]}].\n"
     "revoke ID (the id, or 6 or more of its first digits): the invite admits nobody from now\n"
     "  on; members who joined with it stay. --json: {id, revoked}.\n"
     "accept (on a personal node): connects to the relay, redeems the secret and remembers\n"
     "  the relay in the peer table; from then on the relay replicates your log and serves\n"
     "  it to others. A code for a closed network writes its network_key into HOME/config\n"
     "  (restart a running node then); one for another network than the config's closed\n"
     "  one is refused without joining (exit 1). A used-up or unknown code is refused with\n"
     "  the relay's reason (exit 1); a malformed code is a usage error (exit 2).\n"
     "  Prefer `-` or --file: a code given as CODE sits in the command line, which other\n"
     "  users of this machine can read while the command runs (and in your shell history);\n"
     "  e.g. `seurone invite accept -`, paste the code, Enter, Ctrl-D.\n"
     "  --json: {ok, relay, key, network_key_written, restart_needed}.\n"},
    {"members", cmd_members, "a relay's members: list them, or remove one",
     "usage: seurone members [list] [--json]\n"
     "       seurone members remove KEY|NAME [--json]\n"
     "list: every member of this relay (those who joined with an invite), key order: name (its\n"
     "  about entry, escaped), key, disk use (the bytes of its entries in the store), entries,\n"
     "  last seen (connected now, its last session, or the receipt of its newest entry),\n"
     "  when it joined, and the id of the invite it used (unknown for members who joined\n"
     "  before ids were kept; `seurone invite list` shows the ids). --json: [{key, name,\n"
     "  disk_bytes, entries, last_seen_ms, joined_ms, invite, connected}].\n"
     "remove KEY|NAME (a key, 8 or more of its first hex digits, or a member's name, matching\n"
     "  one member): the relay stops replicating and serving it: its live session ends, its\n"
     "  new entries are refused, and the relay neither forwards nor serves them; no invite\n"
     "  admits that key again. The entries already stored stay on disk (`seurone purge KEY`\n"
     "  deletes them). --json: {key, name}.\n"
     "Through the running node when one runs, else on the store.\n"},
    {"key", cmd_key, "the key file: whether it is sealed; set, change or remove its passphrase",
     "usage: seurone key [status] [--json]\n"
     "       seurone key passphrase [--new-passphrase-file FILE | --new-passphrase-fd N] [--json]\n"
     "       seurone key passphrase --remove [--json]\n"
     "status: whether HOME/secret is sealed with a passphrase, and the identity (no passphrase\n"
     "  needed). --json: {id, sealed, kdf: {alg, opslimit, memlimit} or null}.\n"
     "passphrase: seals HOME/secret with a new passphrase (argon2id, then secretbox;\n"
     "  docs/storage.md), or changes it; --remove writes the key back unsealed. The current\n"
     "  passphrase, when there is one, is asked first (or --passphrase-file/--passphrase-fd);\n"
     "  the new one is asked twice on the terminal without echo, or read once from\n"
     "  --new-passphrase-file FILE (its first line; mode 0600) or --new-passphrase-fd N (one\n"
     "  line). The file is replaced at once (a new file, fsynced, renamed), never half-written;\n"
     "  the identity never changes. A wrong passphrase exits 4, nothing changed.\n"
     "  --json: {id, sealed, changed, kdf}.\n"
     "A sealed key is opened by `run`, `publish` (with no node running) and `invite accept`:\n"
     "they ask on the terminal, or take --passphrase-file FILE or --passphrase-fd N (a\n"
     "service). A passphrase is never an argument: other users can read command lines.\n"},
    {"device", cmd_device, "your devices: pair a new one, list, revoke; whether this copy of the home publishes",
     "usage: seurone device add [--name LABEL] [--json]\n"
     "       seurone device join -|--file FILE|CODE [--name LABEL] [--json]\n"
     "       seurone device list [--json]\n"
     "       seurone device revoke KEY|NAME --yes [--json]\n"
     "       seurone device [status] [--json]\n"
     "       seurone device claim [--json]\n"
     "A person may write from several machines: each is a device with a key of its own,\n"
     "certified by the identity's first device; friends see all of them as one person.\n"
     "add (on the first device, its node running): prints a one-time code\n"
     "  seurone-device:1:ADDRESS:NETWORK-KEY:SECRET:CHECK, valid one hour, for one device;\n"
     "  LABEL names that device (\"laptop\"). --json: {code, address, name, expires_ms, valid_s}.\n"
     "join (on the new machine, in a fresh home, no node running there): makes the device's\n"
     "  key if the home has none, writes its first entry (device-of the person), connects to\n"
     "  the first device, redeems the code and fetches the person's log; then `seurone run`\n"
     "  replicates with it. `-` reads the code from standard input (a CODE argument sits in\n"
     "  the command line, which other users can read). A home whose identity has entries is\n"
     "  refused. --name LABEL: this device's name, unless `device add` gave one.\n"
     "  --json: {ok, device, person, address, synced, network_key_written}.\n"
     "list: the person's devices: key, name, state (active, revoked), when added, the last\n"
     "  entry held. --json: {person, self, self_device, devices: [{key, name, added_ms,\n"
     "  state, bound, upto, last_seq, last_ts, this}]}.\n"
     "revoke (on the first device): ends a device for good: its entries after the last one\n"
     "  this node holds are refused everywhere. KEY: its key or 8+ first hex digits.\n"
     "  --json: {device, name, upto, id, seq}.\n"
     "status: HOME/device records the machine and directory the home was set up in; a copy\n"
     "  of the home (another machine or directory) runs and syncs but publishes nothing.\n"
     "  Exit 1 when it is a copy. --json: {copied, why, record?: {device, path, inode,\n"
     "  machine_id}}.\n"
     "claim: makes this copy the one that publishes. First stop the node of every other copy,\n"
     "  and delete them. --json: {claimed, record, previous}.\n"},
    {"ui", cmd_ui, "open the web app of the running node",
     "usage: seurone ui [--no-open] [--json]\n"
     "Prints http://HOST:PORT/login?token=TOKEN, the link to the running node's web app\n"
     "(docs/api.md): opening it signs the browser in (a cookie) and shows your feed. The\n"
     "token is HOME/web.token: whoever has the link can use your node, so keep it to\n"
     "yourself. With a desktop ($DISPLAY or $WAYLAND_DISPLAY) and xdg-open, the web app is\n"
     "opened in your browser too (with a one-time link: a browser's command line is visible\n"
     "to every user of the machine), unless --no-open. --json: {\"url\"}. Exit 3 when no node\n"
     "runs in the home (start it with `seurone run`), or it serves no web app (`web = off`).\n"},
    {"fork", cmd_fork, "another copy of your identity published? which authors are forked",
     "usage: seurone fork [status] [--json]\n"
     "       seurone fork keep-this --yes [--json]\n"
     "status: whether this node stopped publishing because another copy of your identity\n"
     "  (the same key in a copied or restored home) published, and which authors this node\n"
     "  holds forked (two entries with one seq, signed by one key: no longer replicated).\n"
     "  --json: {self_fork: null or {reason: entry|fork|proof, seq, id, from, at, message},\n"
     "  forked_authors: [{id, name, seq, self}]}.\n"
     "keep-this: you chose this home as the copy that publishes, after stopping the other\n"
     "  (or deleting its home): publishing works again, unless your log itself is forked\n"
     "  (then nodes no longer take its entries: docs/cli.md, \"Another copy of your identity\").\n"
     "  Without --yes it only says so. Through the running node when one runs.\n"
     "  --json: {cleared, log_forked}.\n"},
    {"purge", cmd_purge, "remove an author's entries from this node and refuse them from then on",
     "usage: seurone purge KEY --yes [--json]\n"
     "       seurone purge KEY --undo [--json]\n"
     "KEY: the author's key (64 hex digits, or a unique prefix of 8 or more) or exact name.\n"
     "Removes every entry of KEY held here (its log and fork proofs) with everything derived\n"
     "from them (one rebuild of the derived databases, like `reindex`), and records KEY as\n"
     "purged: its entries are refused from then on, from peers and imports (docs/cli.md,\n"
     "\"Quotas and purge\"). Entries of others that name KEY stay. Without --yes it only says\n"
     "what it would remove. Through the running node when one runs, else on the store.\n"
     "--json: {key, name, entries, bytes, already, through_node}.\n"
     "--undo: KEY's entries are taken again from then on (what was removed comes back\n"
     "from peers at the next sync). --json: {key, name, was_purged, through_node}.\n"},
    {"metrics", cmd_metrics, "structural metrics of the graph held",
     "usage: seurone metrics [NAME] [--graph contact|membership|projects] [--nodes held|all]\n"
     "                       [--top K] [--json]\n"
     "Without NAME: the metric names and the NetworkX call each one equals (docs/metrics.md).\n"
     "With NAME: nodes best first; --top K (default 20, 0 = all). --json: an array of\n"
     "{node, kind: person|project, name, value, held} (communities: and modularity;\n"
     "pagerank, betweenness, harmonic: and threads).\n"
     "--graph: contact (people, follow edges; default), membership (people -> projects),\n"
     "projects (projects sharing a member). --nodes held (default): the people whose logs\n"
     "this node holds and the keys they follow (this node only with edges); all: every key\n"
     "it knows. A key whose log is not held is marked \"(log not held)\".\n"
     "  --damping D --tol T   pagerank (defaults 0.85 and 1e-6, as nx.pagerank)\n"
     "  --pivots K            betweenness from K sampled sources (0 = exact, the default)\n"
     "  --seed S              the sample for --pivots, the start for communities\n"
     "  --threads N           pagerank, betweenness and harmonic on N threads (default:\n"
     "                        one per core; the values do not depend on N); --json rows\n"
     "                        carry threads\n"
     "On a terminal, long computations show their progress on stderr.\n"},
    {"flow", cmd_flow, "how entries reached and spread (latency, hops, cascades, edges)",
     "usage: seurone flow entry ID | author PERSON | project PROJECT | summary   [--json]\n"
     "       seurone flow cascades [--top K] | edges [--top K]   [--json]\n"
     "       seurone flow cascades --by-size [--group author|project | --group-file FILE] [--json]\n"
     "       seurone flow report [...] | network [...]   [--json]   (network-wide: below)\n"
     "From what the node recorded at each entry's first arrival, and the reshares it holds\n"
     "(definitions and keys: docs/flow.md). Latency = first arrival minus the author's\n"
     "timestamp (negative: clock skew, counted as 0 and reported). ID: an entry id or a\n"
     "unique prefix of 8+ hex digits; PERSON: a key, prefix or exact name; PROJECT: a\n"
     "project id, prefix or exact name.\n"
     "  entry     where and when it arrived; reach = people known to hold it (its author,\n"
     "            every resharer below it in its cascade, this node); direct reshares\n"
     "  author    latency and hops of an author's entries, and their reach (mean, max)\n"
     "  project   the project entry and every share for it: latency, hops, shares, people,\n"
     "            cascades, reach\n"
     "  summary   latency and hops of everything received\n"
     "  cascades  reshare trees, largest first (--top K, default 10, 0 = all); --by-size:\n"
     "            size bins (1, 2-3, 4-7, ...) with mean and median size, depth, breadth\n"
     "            and structural_virality per bin, to compare cascades of the same size;\n"
     "            --group author|project: the same per root author or root's project;\n"
     "            --group-file FILE: per group of root authors, lines KEY,GROUP\n"
     "  edges     per pair of people with a follow edge: entries that flowed each way (b\n"
     "            reshared a's entry; entries that arrived here from peer a), plus peer\n"
     "            links that carried entries without a follow edge (--top K, default 20)\n"
     "--json: entry {id, author, seq, prev, ts, type, received_at, source, from, hops,\n"
     "latency_ms, skewed, reach, reshares, observed: [{observer, received_at, source,\n"
     "from, hops}] (other nodes' records, imported)}; author/summary {received, by_source, latency_ms\n"
     "{p50, p90, p99, min, max}, skewed, hops {\"1\": n, ...}, author?, entries?, reach?\n"
     "{mean, max}}; project: those + {project, name, author, held, shares, people, cascades,\n"
     "cascade_entries, reach}; cascades {count, entries, cascades: [{root, root_author,\n"
     "root_author_name, size, depth, max_breadth, structural_virality, people, reach,\n"
     "reshares, orphan}]}; edges {count, edges: [{a, b, a_name, b_name, reshares_a_to_b,\n"
     "reshares_b_to_a, arrivals_a_to_b, arrivals_b_to_a, contact}]} (reshares: b reshared a's\n"
     "entry; arrivals: entries that first arrived here from peer a; two columns, never added).\n"
     "       seurone flow report [--epsilon E] [--since MS] [--publish] [--json]\n"
     "  the flow report this node would publish: hop and latency histograms of the entries\n"
     "  that arrived from peers since MS (default: the end of its last report, at most one\n"
     "  flow_report_interval ago), each count with Laplace noise of scale 3/E (E default:\n"
     "  flow_epsilon, 1.0); the exact counts are\n"
     "  shown beside it and never published. --publish appends it to this node's log.\n"
     "       seurone flow network [--latest N] [--since MS] [--json]\n"
     "  network-wide hops and latency from the flow reports this node holds (latest N per\n"
     "  node, default 1; --since alone: every report ending after MS), each count +- its 95%\n"
     "  noise interval, with p50/p90/p99. Keys: docs/cli.md, docs/network-stats.md.\n"},
};

const sr_cmd_t *cli_find(const char *name) {
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    if (strcmp(commands[i].name, name) == 0) return &commands[i];
  return NULL;
}

int cli_usage(const sr_cmd_t *cmd, int code) {
  fputs(cmd->usage, code ? stderr : stdout);
  return code;
}

static void main_usage(FILE *out) {
  fprintf(out,
          "seurone %s: a peer-to-peer social graph node\n\n"
          "usage: seurone [--home DIR] COMMAND [ARGS]   (seurone COMMAND --help for details)\n\n"
          "commands:\n",
          SR_VERSION);
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out,
          "\nThe home directory is --home DIR, else $SEURONE_HOME, else ~/.seurone.\n"
          "A key file sealed with a passphrase (`seurone key`) is opened by asking on the terminal,\n"
          "or with --passphrase-file FILE or --passphrase-fd N (for a service; never the passphrase itself).\n");
}

/* A passphrase as an argument would sit in /proc/PID/cmdline for every user
 * of the machine to read: no option takes one, and one that looks as if it
 * could is refused with where the passphrase goes instead. */
static int passphrase_inline(const char *a) {
  static const char *const names[] = {"--passphrase", "--new-passphrase", "--pass"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    size_t n = strlen(names[i]);
    if (!strncmp(a, names[i], n) && (a[n] == '\0' || a[n] == '='))
      return cli_fail(SR_EXIT_USAGE,
                      "%s: a passphrase is never given as an argument (other users can read command lines): "
                      "type it when asked, or use --passphrase-file FILE or --passphrase-fd N",
                      names[i]);
  }
  return 0;
}

/* The options every command takes, at argv[*i]: 1 taken, 0 not one, -1 a
 * usage error (said). */
static int global_opt(int argc, char **argv, int *i, sr_cli_t *cli, const char **home_flag) {
  int r;
  if ((r = cli_opt(argc, argv, i, "--home", home_flag)) != 0) return r;
  if ((r = cli_opt(argc, argv, i, "--passphrase-file", &cli->pass.file)) != 0) return r;
  if ((r = cli_opt(argc, argv, i, "--passphrase-fd", &cli->pass.fd)) != 0) return r;
  return passphrase_inline(argv[*i]) ? -1 : 0;
}

int main(int argc, char **argv) {
  sr_cli_t cli;
  const char *home_flag = NULL;
  int i = 1;
  memset(&cli, 0, sizeof(cli));
  cli.pass.fd_opt = "--passphrase-fd";
  sr_json_track_oom();
  /* a store older than the usage table is counted once at open (store/usage.h) */
  sr_usage_backfill_progress(cli_progress, "counting each author's usage (once, an older store)");
  if (sodium_init() < 0) return cli_fail(SR_EXIT_ENV, "libsodium failed to initialise");
  while (i < argc && argv[i][0] == '-') {
    int r = global_opt(argc, argv, &i, &cli, &home_flag);
    if (r < 0) return SR_EXIT_USAGE;
    if (r == 0) {
      if (cli_is_help(argv[i])) {
        main_usage(stdout);
        return 0;
      }
      if (strcmp(argv[i], "--version") == 0) {
        printf("seurone %s\n", SR_VERSION);
        return 0;
      }
      return cli_fail(SR_EXIT_USAGE, "unknown option %s (see seurone --help)", argv[i]);
    }
    i++;
  }
  if (i >= argc) {
    main_usage(stderr);
    return SR_EXIT_USAGE;
  }
  const sr_cmd_t *cmd = cli_find(argv[i]);
  if (!cmd) return cli_fail(SR_EXIT_USAGE, "unknown command '%s' (see seurone --help)", argv[i]);

  /* Take the options every command understands out of its arguments. */
  int n = 0;
  char **args = argv + i;
  int nargs = argc - i;
  for (int j = 0; j < nargs; j++) {
    int r;
    if (j > 0 && cli_is_help(args[j])) return cli_usage(cmd, 0);
    if (j > 0 && strcmp(args[j], "--json") == 0) {
      cli.json = 1;
      continue;
    }
    if (j > 0 && (r = global_opt(nargs, args, &j, &cli, &home_flag)) != 0) {
      if (r < 0) return SR_EXIT_USAGE;
      continue;
    }
    args[n++] = args[j];
  }
  if (cli.pass.file && cli.pass.fd) return cli_fail(SR_EXIT_USAGE, "--passphrase-file or --passphrase-fd, not both");
  if (sr_home_resolve(home_flag, cli.home, sizeof(cli.home)) != 0)
    return cli_fail(SR_EXIT_ENV, "no home directory: pass --home DIR or set SEURONE_HOME");
  /* Every command trusts what the home holds: a home others may write is
   * refused before any of it is read (node/home.h). */
  char err[4600];
  if (sr_home_check(cli.home, err, sizeof(err))) return cli_fail(SR_EXIT_ENV, "%s", err);
  int rc = cmd->run(&cli, n, args);
  /* stdout's buffer is written here or at exit: a write that fails (a full disk
   * under a redirect) is an output lost too */
  if (fflush(stdout) != 0 || ferror(stdout)) {
    if (rc == 0) cli_fail(SR_EXIT_ENV, "could not write the output: %s", strerror(errno));
    cli_output_lost();
  }
  return cli_exit_code(rc);
}
