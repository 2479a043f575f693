/* web_static.c: the web app's files (docs/api.md, "Static files").
 *
 * They come from one directory, found at start: $SEURONE_WEB_DIR, else the
 * installed share/seurone/web, else the source tree's web/ (for a build tree).
 * A request names a file inside it and nothing else: only plain names (letters,
 * digits, '.', '_', '-', '/'), no segment that is empty or starts with a dot (so
 * no "..", however it was escaped: libmicrohttpd decodes %2e before we see the
 * path), and the resolved path (links followed) must still lie inside the
 * directory. Files are small and read from disk per request, so an upgrade
 * shows at the next reload.
 */
#include "node/web_internal.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SR_WEB_INSTALL_DIR
#define SR_WEB_INSTALL_DIR "/usr/local/share/seurone/web"
#endif
#ifndef SR_WEB_SOURCE_DIR
#define SR_WEB_SOURCE_DIR ""
#endif

#define PATH_IN_URL_MAX 512

static int is_dir(const char *p) {
  struct stat st;
  return p && *p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int sr_web_static_init(sr_web_t *w, char *err, size_t errlen) {
  const char *env = getenv("SEURONE_WEB_DIR"), *dir = NULL;
  if (env && *env) {
    if (!is_dir(env)) {
      snprintf(err, errlen, "SEURONE_WEB_DIR=%s is not a directory", env);
      return SR_EIO;
    }
    dir = env;
  } else if (is_dir(SR_WEB_INSTALL_DIR)) {
    dir = SR_WEB_INSTALL_DIR;
  } else if (is_dir(SR_WEB_SOURCE_DIR)) {
    dir = SR_WEB_SOURCE_DIR;
  }
  if (!dir) {
    snprintf(err, errlen,
             "the web app's files are not installed (neither %s nor %s is there; SEURONE_WEB_DIR may name the folder "
             "that holds index.html)",
             SR_WEB_INSTALL_DIR, SR_WEB_SOURCE_DIR[0] ? SR_WEB_SOURCE_DIR : "a source tree's web/");
    return SR_EIO;
  }
  if (!realpath(dir, w->webdir)) {
    snprintf(err, errlen, "cannot open the web directory %s: %s", dir, strerror(errno));
    return SR_EIO;
  }
  return 0;
}

/* 1 when path is "/" followed by plain segments only (see the top). */
static int plain_path(const char *path) {
  size_t n = strlen(path);
  if (n == 0 || n > PATH_IN_URL_MAX || path[0] != '/') return 0;
  for (const char *p = path + 1; *p; p++) {
    char c = *p;
    int word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (word) continue;
    if (c == '/' && p[-1] != '/') continue;
    if (c == '.' && p[-1] != '/') continue; /* a dot inside a name, never leading a segment */
    return 0;
  }
  return 1;
}

static const char *content_type(const char *path) {
  static const struct {
    const char *ext, *type;
  } types[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".webmanifest", "application/manifest+json"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
  };
  const char *dot = strrchr(path, '.');
  for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
    if (!strcmp(dot, types[i].ext)) return types[i].type;
  return "application/octet-stream";
}

static enum MHD_Result not_found(struct MHD_Connection *c) {
  static const char body[] = "not found\n";
  struct MHD_Response *resp = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
  if (!resp) return MHD_NO;
  MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
  return sr_web_queue(c, MHD_HTTP_NOT_FOUND, resp, 0);
}

enum MHD_Result sr_web_static(sr_web_req_t *r) {
  char want[4096 + PATH_IN_URL_MAX + 16], real[PATH_MAX];
  const char *path = strcmp(r->url, "/") ? r->url : "/index.html";
  size_t dlen = strlen(r->w->webdir);
  struct MHD_Response *resp;
  struct stat st;
  int fd;
  if (!r->w->webdir[0] || !plain_path(path)) return not_found(r->conn);
  snprintf(want, sizeof(want), "%s%s", r->w->webdir, path);
  /* A link inside the directory may point elsewhere inside it, never out. */
  if (!realpath(want, real) || strncmp(real, r->w->webdir, dlen) || real[dlen] != '/') return not_found(r->conn);
  if ((fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) return not_found(r->conn);
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return not_found(r->conn);
  }
  /* libmicrohttpd reads the file as it sends it, and closes fd with the response. */
  if (!(resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd))) {
    close(fd);
    return MHD_NO;
  }
  MHD_add_response_header(resp, "Content-Type", content_type(real));
  return sr_web_queue(r->conn, MHD_HTTP_OK, resp, 0);
}
