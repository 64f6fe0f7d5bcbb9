#include "hr_err.h"

const char *hr_err_name(int err) {
  switch (err) {
  case HR_OK: return "HR_OK";
#define XX(name, text)                                                                                                 \
  case HR_E##name: return "HR_E" #name;
    HR_ERR_MAP(XX)
#undef XX
  default: return "HR_EUNKNOWN";
  }
}

const char *hr_strerror(int err) {
  switch (err) {
  case HR_OK: return "success";
#define XX(name, text)                                                                                                 \
  case HR_E##name: return text;
    HR_ERR_MAP(XX)
#undef XX
  default: return "unknown error";
  }
}
