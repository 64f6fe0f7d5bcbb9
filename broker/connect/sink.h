/* sink: the Kafka producer of a connector service, driven by a libuv loop.
 *
 * A listener hands each canonical record to hr_sink_produce() with a callback; the callback runs
 * once, from the loop, when the cluster acknowledged the record (err 0) or gave up on it. A
 * record is never dropped silently: the callback is how the sender learns its fate (the MLLP ACK,
 * the HTTP status). The producer is idempotent (acks=all, no duplicates on retry).
 *
 * Back-pressure: hr_sink_outstanding() counts records not yet reported; listeners stop reading
 * while it is at or above the bound they were given, and the sink calls the resume hook once the
 * count falls to half the bound. Memory is therefore bounded by the bound, not by the senders. */
#ifndef HR_SINK_H
#define HR_SINK_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "kafka.h"

typedef struct hr_sink hr_sink;

/* err is 0 when the cluster acknowledged the record; otherwise a librdkafka error code and why. */
typedef void (*hr_sink_cb)(void *opaque, int err, const char *why);
typedef void (*hr_sink_resume_cb)(void *opaque);

/* A sink on loop with an idempotent producer to brokers (props pass through to librdkafka).
 * bound: most records outstanding before listeners pause. NULL with the reason in err. */
hr_sink *hr_sink_new(uv_loop_t *loop, const char *brokers, const hr_kafka_props *props, size_t bound, char *err,
                     size_t errsz);
/* Queues one record (copied). 0, or HR_EIO (the callback will not run) with the reason in err.
 * hdr_name may be NULL (no header). */
int hr_sink_produce(hr_sink *s, const char *topic, const void *key, size_t klen, const void *val, size_t vlen,
                    const char *hdr_name, const char *hdr_value, hr_sink_cb cb, void *opaque, char *err, size_t errsz);
size_t hr_sink_outstanding(const hr_sink *s);
/* 1 while listeners should not read (outstanding >= bound). */
int hr_sink_full(const hr_sink *s);
void hr_sink_on_resume(hr_sink *s, hr_sink_resume_cb cb, void *opaque);
/* Produces a canonical event (key = hr_event_key) or a dead letter (key = source). */
int hr_sink_event(hr_sink *s, const Hearth__V1__AgencyEvent *ev, const char *hdr_value, hr_sink_cb cb, void *opaque,
                  char *err, size_t errsz);
int hr_sink_deadletter(hr_sink *s, const hr_deadletter *d, const char *hdr_value, hr_sink_cb cb, void *opaque,
                       char *err, size_t errsz);
/* Waits up to timeout_ms for every outstanding record (callbacks run), then closes the loop
 * handles it owns and destroys the producer; the loop must then be run to let them close.
 * Accepts NULL. */
void hr_sink_close(hr_sink *s, int timeout_ms);
/* The producer, for tools that need it (watermark queries). */
rd_kafka_t *hr_sink_rk(hr_sink *s);

#define HR_CONNECT_HEADER "hearth-src" /* header naming a record's source (file identity and line) */

#endif
