/* An LD_PRELOAD shim that makes the n-th allocation fail (issue 15, "Faults
 * inside"; tests/faults/test_failalloc.py drives it).
 *
 *   SR_FAILALLOC_N=n        fail the n-th allocation counted (1-based); unset or 0:
 *                           fail none, only count
 *   SR_FAILALLOC_MODE=from  fail the n-th and every later one (default: only the n-th)
 *   SR_FAILALLOC_COUNT=FILE at exit, write "COUNT FAILED\n": the allocations
 *                           counted and how many of them were failed
 *   SR_FAILALLOC_TRACE=FILE append a backtrace of each failed allocation (to find
 *                           the caller that mishandled it)
 *
 * Counting starts when main is called (the shim wraps __libc_start_main), so the
 * allocations of ld.so and libc's start-up, which no program can handle, are
 * not counted; everything after is: the program's own, libc's on its behalf
 * (stdio, getpwnam...), libsodium's, msgpack's, jansson's, LMDB's and libuv's,
 * on every thread. glibc lets a program replace malloc and calls the
 * replacement for its own allocations too (strdup, asprintf, fopen), so wrapping
 * the malloc family covers them; sodium_malloc maps its pages itself (mmap), so
 * it is wrapped by name. A call made while the shim itself is inside (the
 * backtrace's first use loads libgcc) is neither counted nor failed. */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRACE_DEPTH 48
#define COUNT_LINE_MAX 64

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void *__libc_memalign(size_t align, size_t size);
void *__libc_valloc(size_t size);
void *__libc_pvalloc(size_t size);
void __libc_free(void *p);

typedef int (*start_main_fn)(int (*main)(int, char **, char **), int argc, char **argv, void (*init)(void),
                             void (*fini)(void), void (*rtld_fini)(void), void *stack_end);
typedef void *(*sodium_malloc_fn)(size_t size);
typedef void *(*sodium_allocarray_fn)(size_t count, size_t size);

static int armed;        /* main has been called */
static uint64_t fail_at; /* 0: fail none */
static int fail_from;    /* fail every call from fail_at on */
static uint64_t counted; /* allocations counted so far (atomic) */
static uint64_t failed;  /* allocations failed so far (atomic) */
static const char *count_path, *trace_path;
static __thread int inside; /* this thread is in the shim's own code */

static void trace(void) {
  if (!trace_path) return;
  void *frames[TRACE_DEPTH];
  inside++;
  int n = backtrace(frames, TRACE_DEPTH);
  int fd = open(trace_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd >= 0) {
    static const char sep[] = "-- failed allocation\n";
    if (write(fd, sep, sizeof(sep) - 1) < 0) { /* a trace is best effort */
    }
    backtrace_symbols_fd(frames, n, fd);
    close(fd);
  }
  inside--;
}

/* Whether this allocation is to fail; counts it. */
static int should_fail(void) {
  if (!__atomic_load_n(&armed, __ATOMIC_RELAXED) || inside) return 0;
  uint64_t n = __atomic_add_fetch(&counted, 1, __ATOMIC_RELAXED);
  if (!fail_at || n < fail_at || (n > fail_at && !fail_from)) return 0;
  __atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED);
  trace();
  errno = ENOMEM;
  return 1;
}

void *malloc(size_t size) { return should_fail() ? NULL : __libc_malloc(size); }
void *calloc(size_t n, size_t size) { return should_fail() ? NULL : __libc_calloc(n, size); }
void free(void *p) { __libc_free(p); }

void *realloc(void *p, size_t size) {
  if (p && size == 0) return __libc_realloc(p, 0); /* a free, not an allocation */
  return should_fail() ? NULL : __libc_realloc(p, size);
}

void *reallocarray(void *p, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) {
    errno = ENOMEM;
    return NULL;
  }
  return realloc(p, n * size);
}

void *memalign(size_t align, size_t size) { return should_fail() ? NULL : __libc_memalign(align, size); }
void *aligned_alloc(size_t align, size_t size) { return memalign(align, size); }
void *valloc(size_t size) { return should_fail() ? NULL : __libc_valloc(size); }
void *pvalloc(size_t size) { return should_fail() ? NULL : __libc_pvalloc(size); }

int posix_memalign(void **out, size_t align, size_t size) {
  if (align < sizeof(void *) || (align & (align - 1))) return EINVAL;
  if (should_fail()) return ENOMEM;
  void *p = __libc_memalign(align, size);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}

void *sodium_malloc(size_t size) {
  static sodium_malloc_fn real;
  if (!real) real = (sodium_malloc_fn)dlsym(RTLD_NEXT, "sodium_malloc");
  return should_fail() || !real ? NULL : real(size);
}

void *sodium_allocarray(size_t count, size_t size) {
  static sodium_allocarray_fn real;
  if (!real) real = (sodium_allocarray_fn)dlsym(RTLD_NEXT, "sodium_allocarray");
  return should_fail() || !real ? NULL : real(count, size);
}

static void write_count(void) {
  if (!count_path) return;
  inside++;
  char line[COUNT_LINE_MAX];
  int len = snprintf(line, sizeof(line), "%llu %llu\n", (unsigned long long)__atomic_load_n(&counted, __ATOMIC_RELAXED),
                     (unsigned long long)__atomic_load_n(&failed, __ATOMIC_RELAXED));
  int fd = open(count_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    if (write(fd, line, (size_t)len) < 0) { /* the driver sees the file empty */
    }
    close(fd);
  }
  inside--;
}

__attribute__((destructor)) static void at_exit(void) {
  __atomic_store_n(
      &armed, 0, __ATOMIC_RELAXED); /* what runs after main's exit (other destructors) is not the program's to handle */
  write_count();
}

int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end) {
  start_main_fn real = (start_main_fn)dlsym(RTLD_NEXT, "__libc_start_main");
  const char *n = getenv("SR_FAILALLOC_N"), *mode = getenv("SR_FAILALLOC_MODE");
  fail_at = n ? strtoull(n, NULL, 10) : 0;
  fail_from = mode && strcmp(mode, "from") == 0;
  count_path = getenv("SR_FAILALLOC_COUNT");
  trace_path = getenv("SR_FAILALLOC_TRACE");
  /* a program the node starts (a browser for `ui`) runs without the shim */
  unsetenv("LD_PRELOAD");
  __atomic_store_n(&armed, 1, __ATOMIC_RELAXED);
  return real(main, argc, argv, init, fini, rtld_fini, stack_end);
}
