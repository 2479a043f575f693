/* cmd_ui.c: `seurone ui` — the link that opens the running node's web app
 * (node/web.h) and signs this browser in, printed, and opened where there is
 * a desktop. */
#include "tools/cli/cli.h"
#include "node/control.h"
#include "node/web.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* 1 when prog is an executable file in one of $PATH's folders. */
static int in_path(const char *prog) {
  const char *path = getenv("PATH");
  char buf[4200];
  while (path && *path) {
    const char *end = strchr(path, ':');
    size_t n = end ? (size_t)(end - path) : strlen(path);
    if (n && n < sizeof(buf) - strlen(prog) - 2) {
      snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
      if (access(buf, X_OK) == 0) return 1;
    }
    path = end ? end + 1 : NULL;
  }
  return 0;
}

/* Starts xdg-open url in the background, its output away from ours. The
 * browser gets the link in its command line, which every user of the machine
 * can read (ps) as long as it runs: so url is a one-time link the node makes
 * (web_login on the control socket, node/web.h sr_web_once), never the
 * token's. */
static int open_url(const char *url) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
      dup2(fd, 0);
      dup2(fd, 1);
      dup2(fd, 2);
    }
    setsid();
    /* A grandchild, so that nobody waits for the browser to exit. */
    if (fork() == 0) {
      execlp("xdg-open", "xdg-open", url, (char *)NULL);
      _exit(127);
    }
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  return 0;
}

int cmd_ui(sr_cli_t *cli, int argc, char **argv) {
  char url[SR_WEB_URL_MAX], err[4600];
  int no_open = 0, rc;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--no-open")) no_open = 1;
    else
      return cli_fail(SR_EXIT_USAGE, "ui: unexpected '%s' (see seurone ui --help)", argv[i]);
  }
  if ((rc = sr_web_login_url(cli->home, url, sizeof(url), err, sizeof(err)))) return cli_fail(SR_EXIT_ENV, "%s", err);
  const char *display = getenv("DISPLAY"), *wayland = getenv("WAYLAND_DISPLAY");
  int desktop = (display && *display) || (wayland && *wayland);
  if (cli->json) cli_json_print(json_pack("{s:s}", "url", url));
  else
    printf("%s\n", url);
  fflush(stdout);
  if (!no_open && desktop && in_path("xdg-open")) {
    json_t *r = NULL;
    const char *once = NULL;
    if (cli_node_call(cli, json_pack("{s:s}", "cmd", "web_login"), &r) == 0 && !sr_control_reply_code(r))
      once = json_string_value(json_object_get(r, "url"));
    if (once && open_url(once) == 0) {
      if (!cli->json)
        fprintf(stderr,
                "opening the web app in your browser (a one-time link); the link above signs in a browser "
                "too: keep it to yourself\n");
    } else {
      fprintf(stderr, "could not open a browser: open the link above in one on this machine\n");
    }
    if (once) sodium_memzero((char *)once, strlen(once));
    json_decref(r);
  } else if (!cli->json) {
    fprintf(stderr, "open this link in a browser on this machine; it signs that browser in (keep it to yourself)\n");
  }
  sodium_memzero(url, sizeof(url));
  return SR_EXIT_OK;
}
