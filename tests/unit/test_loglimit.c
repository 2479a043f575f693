/* test_loglimit.c: core/loglimit — lines alike except for numbers are one
 * shape; at most `burst` of a shape per window; what was held back comes out
 * as one line with a count when the window ends. */
#include "core/loglimit.h"
#include "tests/unit/t.h"

#define OUT_MAX 64 /* lines the sink keeps */
static char out[OUT_MAX][700];
static int nout;
static void sink(void *ctx, const char *line) {
  (void)ctx;
  T_CHECK(nout < OUT_MAX);
  snprintf(out[nout++], sizeof out[0], "%s", line);
}

static void shapes_ignore_numbers(void) {
  T_EQ(sr_loglimit_shape("dropped inbound 127.0.0.1:5001 peer unknown: SR_EHSLIMIT"),
       sr_loglimit_shape("dropped inbound 10.1.2.3:61000 peer unknown: SR_EHSLIMIT"));
  T_CHECK(sr_loglimit_shape("dropped inbound 1.2.3.4:5 peer unknown: SR_EHSLIMIT") !=
          sr_loglimit_shape("dropped inbound 1.2.3.4:5 peer unknown: SR_ETIMEOUT"));
  T_CHECK(sr_loglimit_shape("a b") == sr_loglimit_shape("a   b"));
  T_CHECK(sr_loglimit_shape("") != 0);
}

static void floods_become_one_line(void) {
  sr_loglimit_t l;
  char line[80];
  int written = 0;
  sr_loglimit_init(&l, 3, 10000);
  nout = 0;
  for (int i = 0; i < 1000; i++) {
    snprintf(line, sizeof line, "dropped inbound 127.0.0.%d:%d: SR_EHSLIMIT", i % 250, 1000 + i);
    written += sr_loglimit_pass(&l, line, 1000 + (uint64_t)i, sink, NULL);
  }
  T_EQ(written, 3);
  T_EQ(nout, 0);                                     /* the window has not ended */
  T_EQ(sr_loglimit_flush(&l, 10999, sink, NULL), 1); /* nor now: still holding */
  T_EQ(nout, 0);
  T_EQ(sr_loglimit_flush(&l, 11000, sink, NULL), 0);
  T_EQ(nout, 1);
  T_HAS(out[0], "dropped inbound 127.0.0.249:1999: SR_EHSLIMIT note=\"(and 996 more like it in the last 10 s)\"");
  /* a new window: lines are written again */
  T_EQ(sr_loglimit_pass(&l, "dropped inbound 1.1.1.1:1: SR_EHSLIMIT", 11001, sink, NULL), 1);
  T_EQ(sr_loglimit_flush(&l, 30000, sink, NULL), 0);
  T_EQ(nout, 1); /* nothing was held back: no summary */
}

static void other_shapes_pass(void) {
  sr_loglimit_t l;
  sr_loglimit_init(&l, 1, 10000);
  nout = 0;
  T_EQ(sr_loglimit_pass(&l, "flood 1", 0, sink, NULL), 1);
  T_EQ(sr_loglimit_pass(&l, "flood 2", 1, sink, NULL), 0);
  T_EQ(sr_loglimit_pass(&l, "flood 3", 2, sink, NULL), 0);
  T_EQ(sr_loglimit_pass(&l, "connected to peer ab12", 3, sink, NULL), 1);
  /* the next line of the shape after the window sums up the old one first */
  T_EQ(sr_loglimit_pass(&l, "flood 4", 10000, sink, NULL), 1);
  T_EQ(nout, 1);
  T_HAS(out[0], "flood 3 note=\"(and 1 more like it in the last 10 s)\"");
  /* more shapes than slots: the oldest is summed up early, nothing is lost */
  T_EQ(sr_loglimit_pass(&l, "flood 5", 10001, sink, NULL), 0);
  char w[sizeof "shape?"];
  for (int i = 0; i < SR_LOGLIMIT_SLOTS; i++) {
    snprintf(w, sizeof w, "shape%c", 'a' + i);
    T_EQ(sr_loglimit_pass(&l, w, 10002 + (uint64_t)i, sink, NULL), 1);
  }
  T_EQ(nout, 2);
  T_HAS(out[1], "flood 5");
}

int main(void) {
  T_RUN(shapes_ignore_numbers);
  T_RUN(floods_become_one_line);
  T_RUN(other_shapes_pass);
  fprintf(stderr, "test_loglimit: %d checks passed\n", t_checks);
  return 0;
}
