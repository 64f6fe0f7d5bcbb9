/* listener: the network side of a connector service: a TCP listener on libuv, TLS (OpenSSL,
 * memory BIOs, so the loop stays the only thing doing I/O) with optional client certificates and
 * an allow-list of agency identities, idle and connection limits, and back-pressure. What the
 * bytes mean is a protocol's business (MLLP, HTTP), plugged in as an hr_proto.
 *
 * Life of a connection: accepted -> (TLS handshake, client certificate checked) -> open (the
 * protocol gets its state) -> reading <-> paused (the sink is full, the connection has too
 * much unanswered work, or its peer does not read its answers) -> closing -> closed (the protocol
 * is told; it must not touch the connection afterwards, but may keep its own state alive until
 * its outstanding deliveries report).
 *
 * Identity: with client certificates, a connection's agency is the certificate subject's CN,
 * which must be on the allow-list (when one is given); otherwise it is the configured agency
 * name. Every record the protocol produces is tagged with it. */
#ifndef HR_LISTENER_H
#define HR_LISTENER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sink.h"

typedef struct hr_listener hr_listener;
typedef struct hr_conn hr_conn;

typedef struct hr_proto {
  const char *name; /* "mllp", "https": in log lines */
  /* Per-connection state; NULL closes the connection. */
  void *(*open)(hr_conn *c, void *opaque);
  /* Plain bytes from the peer. 0 to go on, -1 to close the connection (after what was written). */
  int (*data)(void *st, const char *data, size_t len);
  /* 1 while the connection waits on deliveries (it is not idle then). */
  int (*busy)(void *st);
  /* The connection is gone; the protocol frees its state now or when its deliveries report. */
  void (*closed)(void *st);
} hr_proto;

typedef struct hr_listen_opts {
  const char *listen;     /* HOST:PORT; port 0 picks a free one (hr_listener_port) */
  const char *cert, *key; /* server certificate and key (PEM); NULL = plain TCP */
  const char *client_ca;  /* CA bundle for client certificates; NULL = none asked */
  const char *allowed;    /* agency identities (certificate CNs) allowed, space or comma separated;
                             NULL or "" = any certificate the CA verified */
  const char *agency;     /* identity of records when no client certificate names one */
  uint64_t idle_ms;       /* close a connection that completes no message for this long (0 = never) */
  uint64_t max_conns;     /* connections at once; more are closed on accept */
  size_t bound;           /* pause reading while the sink has this many records outstanding */
} hr_listen_opts;

typedef struct hr_listener_stats {
  uint64_t accepted, refused, closed_idle, tls_failed, not_allowed, open;
} hr_listener_stats;

hr_listener *hr_listener_new(uv_loop_t *loop, const hr_listen_opts *o, const hr_proto *proto, void *opaque,
                             hr_sink *sink, char *err, size_t errsz);
int hr_listener_port(const hr_listener *l);
void hr_listener_stats_get(const hr_listener *l, hr_listener_stats *st);
/* Stops listening and closes every connection; run the loop to let them close. Accepts NULL. */
void hr_listener_close(hr_listener *l);

/* Writes bytes to the peer (through TLS when on). 0 or -1 when the connection is closing. */
int hr_conn_write(hr_conn *c, const void *data, size_t len);
/* Closes after what was written has gone out. */
void hr_conn_close(hr_conn *c);
/* A complete message arrived: the idle clock starts again. */
void hr_conn_progress(hr_conn *c);
/* The protocol holds reading (hold = 1: it has enough unanswered work) or lets it go on. */
void hr_conn_hold(hr_conn *c, int hold);
const char *hr_conn_agency(const hr_conn *c); /* "" when none */
const char *hr_conn_peer(const hr_conn *c);   /* "10.0.0.1:5123" */
hr_sink *hr_conn_sink(const hr_conn *c);

#endif
