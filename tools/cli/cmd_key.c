/* cmd_key.c: `seurone key` (the key file: sealed with a passphrase or not)
 * and `seurone device [status|claim]` (which copy of the home publishes,
 * node/device.h); the rest of `seurone device` is cmd_device.c's. */
#include "tools/cli/cli.h"
#include "node/device.h"
#include "node/keyfile.h"
#include <stdlib.h>
#include <string.h>

/* {"alg", "opslimit", "memlimit"} of a sealed key, else null. */
static json_t *kdf_json(const sr_keyfile_t *kf) {
  if (!kf || !kf->sealed) return json_null();
  return json_pack("{s:s, s:I, s:I}", "alg", "argon2id13", "opslimit", (json_int_t)kf->ops, "memlimit",
                   (json_int_t)kf->mem);
}

static int key_status(sr_cli_t *cli) {
  char err[4600], hex[SR_HEX_KEY_LEN + 1];
  uint8_t pk[SR_KEY_BYTES];
  sr_keyfile_t kf;
  int rc = sr_identity_probe(cli->home, pk, &kf, err, sizeof(err));
  if (rc < 0) return cli_fail(SR_EXIT_ENV, "%s", err);
  sr_hex_encode(pk, SR_KEY_BYTES, hex);
  if (cli->json) cli_json_print(json_pack("{s:s, s:b, s:o}", "id", hex, "sealed", rc == 1, "kdf", kdf_json(&kf)));
  else if (rc == 1)
    printf("%s/secret is sealed with a passphrase (argon2id, %llu passes over %llu %s)\nidentity %s\n", cli->home,
           (unsigned long long)kf.ops, (unsigned long long)(kf.mem >= 1 << 20 ? kf.mem >> 20 : kf.mem >> 10),
           kf.mem >= 1 << 20 ? "MiB" : "KiB", hex);
  else
    printf("%s/secret holds the key unsealed (no passphrase): `seurone key passphrase` sets one\nidentity %s\n",
           cli->home, hex);
  return 0;
}

/* Seals sk with a new passphrase from src (or the terminal) into *kf, and
 * opens it again before anything is written: 0 or the exit code, said. */
static int seal_new(sr_cli_t *cli, const cli_pass_src_t *src, const uint8_t *sk, sr_keyfile_t *kf) {
  char prompt[4300], *pass = cli_pass_alloc();
  uint8_t *back = sodium_malloc(SR_SECRET_BYTES);
  size_t len = 0;
  int rc, code = 0;
  if (!pass || !back) {
    code = cli_fail(SR_EXIT_ENV, "out of memory for the passphrase");
    goto out;
  }
  snprintf(prompt, sizeof(prompt), "new passphrase for %s/secret: ", cli->home);
  if ((rc = cli_pass_read(src, prompt, 1, pass, &len)) == CLI_PASS_NO_TTY) {
    code = cli_fail(SR_EXIT_PASSPHRASE,
                    "no terminal here to ask for the new passphrase on: give it with --new-passphrase-file FILE or "
                    "--new-passphrase-fd N; nothing was changed");
    goto out;
  }
  if (rc) {
    code = rc;
    goto out;
  }
  if (!cli->json) fprintf(stderr, "sealing the key (argon2id: about a second)...\n");
  if ((rc = sr_keyfile_seal(sk, pass, len, SR_KEYFILE_OPS_DEFAULT, SR_KEYFILE_MEM_DEFAULT, kf)) ||
      (rc = sr_keyfile_open(kf, pass, len, back)) || sodium_memcmp(back, sk, SR_SECRET_BYTES) != 0) {
    code = cli_fail(SR_EXIT_ENV, "cannot seal the key: %s; nothing was changed",
                    rc == SR_ENOMEM ? "not enough memory for argon2id (64 MiB)" : sr_strerror(rc ? rc : SR_ECRYPTO));
    goto out;
  }
out:
  cli_pass_free(pass);
  if (back) sodium_free(back);
  return code;
}

static int key_passphrase(sr_cli_t *cli, int argc, char **argv) {
  cli_pass_src_t src = {NULL, NULL, "--new-passphrase-fd"};
  char err[4600], hex[SR_HEX_KEY_LEN + 1];
  uint8_t *sk = NULL, pk[SR_KEY_BYTES];
  sr_keyfile_t old, kf;
  int remove = 0, was, code = 0, r;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--remove")) remove = 1;
    else if ((r = cli_opt(argc, argv, &i, "--new-passphrase-file", &src.file)) != 0) {
      if (r < 0) return SR_EXIT_USAGE;
    } else if ((r = cli_opt(argc, argv, &i, "--new-passphrase-fd", &src.fd)) != 0) {
      if (r < 0) return SR_EXIT_USAGE;
    } else
      return cli_fail(SR_EXIT_USAGE, "key passphrase: unexpected '%s' (see seurone key --help)", argv[i]);
  }
  if (remove && cli_pass_given(&src))
    return cli_fail(SR_EXIT_USAGE, "key passphrase: --remove takes no new passphrase");
  if (src.file && src.fd)
    return cli_fail(SR_EXIT_USAGE, "key passphrase: --new-passphrase-file or --new-passphrase-fd, not both");
  if ((was = sr_identity_probe(cli->home, pk, &old, err, sizeof(err))) < 0) return cli_fail(SR_EXIT_ENV, "%s", err);
  if (remove && !was) {
    sr_hex_encode(pk, SR_KEY_BYTES, hex);
    if (cli->json)
      cli_json_print(json_pack("{s:s, s:b, s:b, s:o}", "id", hex, "sealed", 0, "changed", 0, "kdf", json_null()));
    else
      fprintf(stderr, "%s/secret has no passphrase: nothing changed\n", cli->home);
    return 0;
  }
  /* The current passphrase first (cli->pass, else the terminal): a wrong
   * one stops here, before anything is asked or written. */
  if (!(sk = cli_load_key(cli, &code))) return code;
  if (!remove && (code = seal_new(cli, &src, sk, &kf))) goto out;
  if (sr_identity_save(cli->home, remove ? NULL : &kf, sk, err, sizeof(err))) {
    code = cli_fail(SR_EXIT_ENV, "%s", err);
    goto out;
  }
  sr_hex_encode(sk + SR_SECRET_PK_OFFSET, SR_KEY_BYTES, hex);
  if (cli->json)
    cli_json_print(json_pack("{s:s, s:b, s:b, s:o}", "id", hex, "sealed", !remove, "changed", 1, "kdf",
                             kdf_json(remove ? NULL : &kf)));
  else {
    fprintf(stderr,
            remove ? "%s/secret holds the key unsealed now: whoever copies that file can write as you\n"
            : was  ? "%s/secret is sealed with the new passphrase\n"
                   : "%s/secret is sealed with a passphrase now: `seurone run` and every command that signs ask "
                     "for it (or take --passphrase-file FILE / --passphrase-fd N)\n",
            cli->home);
    if (!remove)
      fprintf(stderr, "copies of the key file made before (backups) are as they were: %s\n",
              was ? "sealed with the old passphrase" : "unsealed; replace them with this file");
    printf("%s\n", hex);
  }
out:
  sodium_free(sk); /* wipes it */
  return code;
}

int cmd_key(sr_cli_t *cli, int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "status")) {
    if (argc > 2) return cli_fail(SR_EXIT_USAGE, "key status takes no arguments: got '%s'", argv[2]);
    return key_status(cli);
  }
  if (!strcmp(argv[1], "passphrase")) return key_passphrase(cli, argc, argv);
  return cli_fail(SR_EXIT_USAGE, "unknown key command '%s': key status, or key passphrase (see seurone key --help)",
                  argv[1]);
}

/* ---- device ---- */

static json_t *record_json(const sr_home_device_t *d) {
  char id[2 * SR_DEVICE_ID_BYTES + 1];
  sr_hex_encode(d->id, sizeof(d->id), id);
  return json_pack("{s:s, s:o, s:I, s:b}", "device", id, "path", cli_json_text(d->path), "inode", (json_int_t)d->inode,
                   "machine_id", d->has_machine);
}

int cli_device_home(sr_cli_t *cli, int argc, char **argv) {
  char err[4600], id[2 * SR_DEVICE_ID_BYTES + 1];
  uint8_t pk[SR_KEY_BYTES];
  sr_home_device_t *d = calloc(2, sizeof(*d)); /* large (the path): now, and the one a claim replaced */
  int rc, code = 0, claim = argc > 1 && !strcmp(argv[1], "claim");
  if (!d) return cli_fail(SR_EXIT_ENV, "out of memory");
  if (argc > (claim ? 2 : 1) || (argc > 1 && !claim && strcmp(argv[1], "status"))) {
    free(d);
    return cli_fail(SR_EXIT_USAGE, "usage: seurone device [status] | device claim (see seurone device --help)");
  }
  /* The home must hold an identity: a copy without a key publishes nothing anyway. */
  if (cli_load_pk(cli, pk)) {
    free(d);
    return SR_EXIT_ENV;
  }
  /* The store too: a store copied without HOME/device remembers its home
   * (sr_device_check_store); a home with no store is checked without. */
  sr_store_t *st = NULL;
  if (sr_home_store_open(cli->home, 0, &st, err, sizeof(err))) st = NULL;
  rc = sr_device_check_store(cli->home, st, err, sizeof(err));
  if (rc == 0) rc = sr_device_check(cli->home, &d[0], err, sizeof(err));
  if (claim && rc == 0) {
    sr_hex_encode(d[0].id, sizeof(d[0].id), id);
    if (cli->json) cli_json_print(json_pack("{s:b, s:o, s:n}", "claimed", 0, "record", record_json(&d[0]), "previous"));
    else
      fprintf(stderr, "nothing to claim: %s is the copy that publishes (device %s)\n", cli->home, id);
  } else if (claim && rc == SR_ECOPIED) {
    if ((rc = sr_device_claim(cli->home, &d[0], &d[1], err, sizeof(err))) ||
        (rc = sr_device_check_store(cli->home, st, err, sizeof(err)))) /* the store now names this copy */
      code = cli_fail(SR_EXIT_ENV, "%s", err);
    else if (cli->json)
      cli_json_print(json_pack("{s:b, s:o, s:o}", "claimed", 1, "record", record_json(&d[0]), "previous",
                               d[1].path[0] ? record_json(&d[1]) : json_null()));
    else {
      fprintf(stderr, "%s is now the copy of this identity that publishes.\n", cli->home);
      if (d[1].path[0]) { /* a path read from a file: escaped for the terminal (text.c) */
        fputs("The copy recorded before was at ", stderr);
        cli_text_put(stderr, d[1].path, strlen(d[1].path));
        fputs(".\n", stderr);
      }
      fprintf(stderr,
              "Stop the node of every other copy and delete them: two copies that publish fork your log for good.\n");
    }
  } else if (rc == 0 || rc == SR_ECOPIED) { /* status */
    if (cli->json) {
      json_t *o = json_pack("{s:b, s:o}", "copied", rc == SR_ECOPIED, "why", rc ? cli_json_text(err) : json_null());
      if (rc == 0) json_object_set_new(o, "record", record_json(&d[0]));
      cli_json_print(o);
    } else if (rc == 0) {
      sr_hex_encode(d[0].id, sizeof(d[0].id), id);
      cli_text_put(stdout, cli->home, strlen(cli->home));
      printf(" is the copy that publishes (device %s)\n", id);
    } else {
      cli_text_put(stdout, err, strlen(err));
      fputc('\n', stdout);
    }
    code = rc ? SR_EXIT_PROBLEM : 0;
  } else
    code = cli_fail(SR_EXIT_ENV, "%s", err);
  if (st) sr_store_close(st);
  free(d);
  return code;
}
