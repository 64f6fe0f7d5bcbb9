/* hr_err: Hearth's error values. One table gives the enum, its name (for logs and tests) and
 * its text (for people), as libuv's UV_ERRNO_MAP does. 0 is success; errors are negative. */
#ifndef HR_ERR_H
#define HR_ERR_H

#define HR_ERR_MAP(XX)                                                                                                 \
  XX(NOMEM, "out of memory")                                                                                           \
  XX(INVAL, "invalid argument")                                                                                        \
  XX(IO, "input/output error")                                                                                         \
  XX(PARSE, "could not parse input")                                                                                   \
  XX(RANGE, "value out of range")                                                                                      \
  XX(NOTFOUND, "not found")                                                                                            \
  XX(EXISTS, "already exists")                                                                                         \
  XX(TOOBIG, "input too large")                                                                                        \
  XX(STORE, "state store error")                                                                                       \
  XX(RULES, "rule pack error")                                                                                         \
  XX(USAGE, "bad command-line usage")

typedef enum hr_err {
  HR_OK = 0,
#define XX(name, text) HR_E##name,
  HR__ERR_FIRST = -1000,
  HR_ERR_MAP(XX)
#undef XX
} hr_err;

/* "HR_EPARSE" for logs and tests; never NULL. */
const char *hr_err_name(int err);
/* "could not parse input" for people; never NULL. */
const char *hr_strerror(int err);

#endif
