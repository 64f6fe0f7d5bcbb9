#include "ids.h"

static const char upn_letters[] = "ABCDEFGHJKLMNPQRTUVWXYZ";

static int nhs_check_digit(const char *d9) {
  int sum = 0;
  for (int i = 0; i < 9; i++)
    sum += (d9[i] - '0') * (10 - i);
  int check = 11 - sum % 11;
  if (check == 11) return 0;
  if (check == 10) return -1;
  return check;
}

int hr_nhs_normalise(const char *s, size_t len, char out[11]) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      if (n == 10) return 0;
      out[n++] = c;
    } else if (c != ' ' && c != '-') {
      return 0;
    }
  }
  out[n] = '\0';
  if (n != 10) return 0;
  int check = nhs_check_digit(out);
  return check >= 0 && out[9] - '0' == check;
}

/* Value of a UPN character for the check sum: digits as themselves; a letter (only allowed as
 * the last character of a temporary UPN) by its place in the check alphabet. */
static int upn_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
  for (int i = 0; upn_letters[i]; i++)
    if (upn_letters[i] == c) return i;
  return -1;
}

static int upn_check_index(const char *twelve) {
  int sum = 0;
  for (int i = 0; i < 12; i++) {
    int v = upn_value(twelve[i]);
    if (v < 0 || (v > 9 && i != 11) || (twelve[i] > '9' && i != 11)) return -1;
    sum += v * (i + 2);
  }
  return sum % 23;
}

int hr_upn_normalise(const char *s, size_t len, char out[14]) {
  if (len != 13) return 0;
  for (int i = 0; i < 13; i++) {
    char c = s[i];
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    out[i] = c;
  }
  out[13] = '\0';
  int idx = upn_check_index(out + 1);
  return idx >= 0 && upn_letters[idx] == out[0];
}

int hr_nhs_make(const char nine[9], char out[11]) {
  for (int i = 0; i < 9; i++)
    out[i] = nine[i];
  int check = nhs_check_digit(out);
  if (check < 0) return -1;
  out[9] = (char)('0' + check);
  out[10] = '\0';
  return 0;
}

void hr_upn_make(const char twelve[12], char out[14]) {
  for (int i = 0; i < 12; i++)
    out[i + 1] = twelve[i];
  out[13] = '\0';
  int idx = upn_check_index(twelve);
  out[0] = idx >= 0 ? upn_letters[idx] : '?';
}
