/* hr_sha256: SHA-256 (FIPS 180-4), pure and allocation-free. Used for content-derived alert ids
 * and rule-pack checksums inside the core, which must not depend on OpenSSL. */
#ifndef HR_SHA256_H
#define HR_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct hr_sha256 {
  uint32_t h[8];
  uint64_t total; /* bytes hashed so far */
  unsigned char block[64];
  size_t used; /* bytes in block */
} hr_sha256;

void hr_sha256_init(hr_sha256 *c);
void hr_sha256_update(hr_sha256 *c, const void *p, size_t n);
void hr_sha256_final(hr_sha256 *c, unsigned char out[32]);
/* Lower-case hex of the first nbytes of a digest into out (2*nbytes+1 bytes). */
void hr_hex(const unsigned char *d, size_t nbytes, char *out);

#endif
