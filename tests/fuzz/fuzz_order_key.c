/* fuzz_order_key: hr_event_order_key (the live broker reads an event's order key from the wire
 * before it decodes the event) against protobuf-c's unpack on arbitrary bytes. When protobuf-c
 * decodes an AgencyEvent, the key must be read and agree with it (feed, event time, position,
 * payload present); when the key cannot be read, protobuf-c must refuse the bytes too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "connector.h"

#define CHECK(c)                                                                                                       \
  do {                                                                                                                 \
    if (!(c)) {                                                                                                        \
      fprintf(stderr, "fuzz invariant broken: %s\n", #c);                                                              \
      abort();                                                                                                         \
    }                                                                                                                  \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hr_order_key k;
  int rc = hr_event_order_key(data, size, &k);
  Hearth__V1__AgencyEvent *ev = hearth__v1__agency_event__unpack(NULL, size, data);
  if (rc) CHECK(ev == NULL);
  if (ev) {
    CHECK(rc == 0);
    CHECK(k.feed == ((unsigned)ev->feed > 1000 ? 1000 : (int)ev->feed));
    CHECK(k.time_us == ev->event_time_us);
    CHECK(k.position == ev->position);
    CHECK(k.has_payload == (ev->payload_case != HEARTH__V1__AGENCY_EVENT__PAYLOAD__NOT_SET));
    hearth__v1__agency_event__free_unpacked(ev, NULL);
  }
  return 0;
}
