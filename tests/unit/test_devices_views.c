/* test_devices_views.c (part of test_devices): a person and its devices are
 * one person for every view: one node of the contact graph (and of the
 * metrics), its keys' newest follow state, the scope of its whole person,
 * the newest about among its keys as its name. */
#include "tests/unit/test_devices.h"

#define TS T_TS

void dev_names_newest_about(void) {
  char dir[256], nm[SR_DEVICE_NAME_MAX];
  t_author_t p, d, e;
  t_buf_t c;
  size_t len;
  int found;
  t_tmpdir(dir);
  t_author_init(&p, 0xb1);
  t_author_init(&d, 0xb2);
  t_author_init(&e, 0xb3);
  sr_store_t *st = t_open_store(dir, 1);
  t_about(&c, "Pat");
  T_OK(td_put(st, &p, TS + 10, "about", &c));
  T_OK(td_claim(st, &d, p.pk));
  t_about(&c, "Pat (laptop)");
  T_OK(td_put(st, &d, TS + 20, "about", &c));
  /* not bound yet: each key its own name */
  T_OK(sr_store_get_name(st, d.pk, nm, sizeof(nm), &len));
  T_CHECK(strcmp(nm, "Pat (laptop)") == 0);
  T_OK(sr_store_get_name(st, p.pk, nm, sizeof(nm), &len));
  T_CHECK(strcmp(nm, "Pat") == 0);
  T_OK(td_add(st, &p, d.pk, "laptop"));
  /* bound: the newest about by ts among the person's keys, for either key */
  T_OK(sr_store_get_name(st, p.pk, nm, sizeof(nm), &len));
  T_CHECK(strcmp(nm, "Pat (laptop)") == 0);
  T_OK(sr_store_get_name(st, d.pk, nm, sizeof(nm), &len));
  T_CHECK(strcmp(nm, "Pat (laptop)") == 0);
  /* a newer about on the identity key wins again, whatever the arrival order */
  t_about(&c, "Patricia");
  T_OK(td_put(st, &p, TS + 30, "about", &c));
  T_OK(sr_store_person_name(st, d.pk, nm, sizeof(nm), &len, &found));
  T_CHECK(found && len == 8 && memcmp(nm, "Patricia", 8) == 0);
  /* an unbound key that only claims: its own (no) name */
  T_OK(td_claim(st, &e, p.pk));
  T_OK(sr_store_person_name(st, e.pk, nm, sizeof(nm), &len, &found));
  T_EQ(found, 0);
  /* reindex keeps the about ts (people rows) */
  T_OK(sr_store_reindex(st, NULL, NULL));
  T_OK(sr_store_get_name(st, d.pk, nm, sizeof(nm), &len));
  T_CHECK(strcmp(nm, "Patricia") == 0);
  sr_store_close(st);
  t_rmdir(dir);
}
