/* err.c: the one message table for every SR_E* code (see err.h). */
#include "core/err.h"

const char *sr_strerror(int code) {
  switch (code) {
    case 0:
      return "success";
#define SR_ERR_MSG(name, c, msg)                                                                                       \
  case c:                                                                                                              \
    return msg;
      SR_ERR_LIST(SR_ERR_MSG)
#undef SR_ERR_MSG
    default:
      return "unknown error";
  }
}

const char *sr_errname(int code) {
  switch (code) {
    case 0:
      return "SR_OK";
#define SR_ERR_NAME(name, c, msg)                                                                                      \
  case c:                                                                                                              \
    return #name;
      SR_ERR_LIST(SR_ERR_NAME)
#undef SR_ERR_NAME
    default:
      return "SR_EUNKNOWN";
  }
}

int sr_err_known(int code) {
  switch (code) {
    case 0:
      return 1;
#define SR_ERR_KNOWN(name, c, msg)                                                                                     \
  case c:                                                                                                              \
    return 1;
      SR_ERR_LIST(SR_ERR_KNOWN)
#undef SR_ERR_KNOWN
    default:
      return 0;
  }
}
