/* cmd_service.c: `seurone stop` and `seurone reload`, the running node as a
 * service (docs/operating.md).
 *
 * stop asks the node through its control socket, then waits for the process
 * to be gone: the reply comes before the node has committed what it received
 * and closed its sessions, and a script (or a package's upgrade) that starts
 * the next node right after must find the home free. */
#include "tools/cli/cli.h"
#include "core/num.h"
#include "node/control.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STOP_TIMEOUT_S 60
#define STOP_POLL_MS 50

/* The pid HOME/run.json names, or 0 when it names none. */
static long run_pid(const sr_cli_t *cli) {
  char path[4200];
  json_error_t je;
  snprintf(path, sizeof(path), "%s/run.json", cli->home);
  json_t *o = json_load_file(path, 0, &je);
  long pid = json_is_integer(json_object_get(o, "pid")) ? (long)json_integer_value(json_object_get(o, "pid")) : 0;
  json_decref(o);
  return pid > 0 ? pid : 0;
}

/* 1 while pid is a live process: a zombie (a parent that has not reaped the
 * node yet) has stopped, and counts as gone. */
static int pid_alive(long pid) {
  char path[64] /* size: "/proc/" + a pid + "/stat" */, buf[512], *p;
  FILE *f;
  if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) return 0;
  snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
  if (!(f = fopen(path, "r"))) return 1; /* no /proc: kill's answer holds */
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  /* "PID (COMM) STATE ...": COMM may hold spaces and parentheses, the last ')' ends it */
  if (!(p = strrchr(buf, ')')) || p[1] != ' ') return 1;
  return p[2] != 'Z' && p[2] != 'X';
}

static void sleep_ms(unsigned ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

int cmd_stop(sr_cli_t *cli, int argc, char **argv) {
  uint64_t timeout_s = STOP_TIMEOUT_S;
  const char *t = NULL;
  json_t *reply = NULL;
  int rc;
  for (int i = 1; i < argc; i++) {
    int r = cli_opt(argc, argv, &i, "--timeout", &t);
    if (r < 0) return SR_EXIT_USAGE;
    if (r) {
      if (sr_parse_u64(t, 1, 86400, &timeout_s))
        return cli_fail(SR_EXIT_USAGE, "--timeout must be a whole number of seconds from 1 to 86400, got '%s'", t);
      continue;
    }
    return cli_fail(SR_EXIT_USAGE, "stop: unexpected '%s' (see seurone stop --help)", argv[i]);
  }
  long pid = run_pid(cli); /* before asking: the node removes run.json as it stops */
  rc = cli_node_call(cli, json_pack("{s:s}", "cmd", "stop"), &reply);
  if (rc == SR_ENONODE) return cli_fail(SR_EXIT_ENV, "no node is running in %s: nothing to stop", cli->home);
  if (rc) return SR_EXIT_ENV;
  if (sr_control_reply_code(reply)) {
    rc = cli_node_refused(reply, "stop");
    json_decref(reply);
    return rc;
  }
  json_decref(reply);
  uint64_t start = cli_now_ms(), waited = 0;
  while (pid && pid_alive(pid)) {
    if ((waited = cli_now_ms() - start) >= timeout_s * 1000)
      return cli_fail(SR_EXIT_PROBLEM,
                      "the node in %s (pid %ld) was asked to stop and still runs after %llu s: it may still be "
                      "committing what it received; wait and run `seurone stop` again, or `kill -TERM %ld`",
                      cli->home, pid, (unsigned long long)timeout_s, pid);
    sleep_ms(STOP_POLL_MS);
  }
  waited = cli_now_ms() - start;
  if (cli->json) {
    json_t *o = json_pack("{s:b, s:I, s:I}", "stopped", 1, "pid", (json_int_t)pid, "waited_ms", (json_int_t)waited);
    cli_json_print(o); /* frees it */
  } else {
    printf("stopped the node in %s (pid %ld) in %.1f s\n", cli->home, pid, (double)waited / 1000.0);
  }
  return SR_EXIT_OK;
}

/* "a, b" of a JSON array of strings, or "none". */
static void key_list(json_t *arr, char *out, size_t cap) {
  size_t i, len = 0;
  json_t *k;
  out[0] = '\0';
  json_array_foreach(arr, i, k) {
    if (len < cap) len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? ", " : "", json_string_value(k));
  }
  if (!out[0]) snprintf(out, cap, "none");
}

int cmd_reload(sr_cli_t *cli, int argc, char **argv) {
  json_t *reply = NULL;
  char applied[600], restart[600];
  int rc;
  if (argc > 1) return cli_fail(SR_EXIT_USAGE, "reload takes no arguments besides --json: got '%s'", argv[1]);
  rc = cli_node_call(cli, json_pack("{s:s}", "cmd", "reload"), &reply);
  if (rc == SR_ENONODE)
    return cli_fail(SR_EXIT_ENV,
                    "no node is running in %s: nothing to reload (the config is read when it starts: `seurone "
                    "--home %s run`)",
                    cli->home, cli->home);
  if (rc) return SR_EXIT_ENV;
  if (sr_control_reply_code(reply)) {
    rc = cli_node_refused(reply, "reload refused, the node runs on with the config it had");
    json_decref(reply);
    return rc;
  }
  if (cli->json) {
    json_object_del(reply, "ok");
    cli_json_print(reply); /* frees it */
    return SR_EXIT_OK;
  }
  json_t *r = json_object_get(reply, "restart");
  key_list(json_object_get(reply, "applied"), applied, sizeof(applied));
  key_list(r, restart, sizeof(restart));
  printf("reloaded %s\napplied   %s\n", cli_jstr(reply, "config", "the config"), applied);
  if (json_array_size(r)) printf("restart   %s (changed: they apply when the node starts again)\n", restart);
  json_decref(reply);
  return SR_EXIT_OK;
}
