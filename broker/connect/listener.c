/* listener: see listener.h.
 *
 * Invariants:
 *  1. A connection reads only while it may: not closing, not held by its protocol, its peer
 *     reading its answers (under HR_CONN_MAX_UNSENT bytes queued), and the sink not full. Every
 *     change of one of these calls update_reading(), the single place that starts or stops reads.
 *  2. Bytes read are handed to the protocol in full before the next read: nothing read is dropped.
 *  3. A connection's memory is freed only after both of its handles (TCP, timer) have closed.
 *  4. The protocol is told of the close exactly once, and only if it was opened. */
#include "listener.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_err.h"

#define HR_CONN_MAX_UNSENT (1u << 20) /* answers queued to a peer that does not read them */
#define HR_CONN_CLOSE_GRACE_MS 5000   /* a closing connection's writes get this long to go out */

struct hr_conn {
  hr_listener *l;
  uv_tcp_t tcp;
  uv_timer_t timer;
  SSL *ssl; /* NULL on plain TCP */
  BIO *rbio, *wbio;
  int tls_done;
  void *st; /* the protocol's state; NULL until opened */
  int closing, held, reading, handles;
  size_t unsent; /* bytes handed to uv_write and not yet written */
  char agency[128];
  char peer[80];
  hr_conn *prev, *next;
};

struct hr_listener {
  uv_loop_t *loop;
  uv_tcp_t tcp;
  SSL_CTX *ctx;
  hr_listen_opts o;
  const hr_proto *proto;
  void *opaque;
  hr_sink *sink;
  hr_conn *conns;
  uint64_t nconns;
  int closing, handle_open, paused, port;
  hr_listener_stats st;
  char rbuf[64 * 1024];  /* one read at a time per loop: reads are handled before the next */
  char plain[16 * 1024]; /* TLS plaintext */
};

static void tls_errstr(char *err, size_t errsz, const char *what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "unknown error";
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  snprintf(err, errsz, "%s: %s", what, buf);
  ERR_clear_error();
}

static void update_reading(hr_conn *c);
static void conn_close_now(hr_conn *c);

/* ---- writing -------------------------------------------------------------------------------- */

typedef struct wreq {
  uv_write_t req;
  hr_conn *c;
  size_t n;
  char data[];
} wreq;

static void on_written(uv_write_t *req, int status) {
  wreq *w = (wreq *)req;
  hr_conn *c = w->c;
  c->unsent -= w->n;
  free(w);
  if (status < 0) {
    conn_close_now(c);
    return;
  }
  update_reading(c);
}

static int raw_write(hr_conn *c, const void *data, size_t n) {
  if (n == 0) return 0;
  wreq *w = malloc(sizeof *w + n);
  if (!w) return -1;
  w->c = c;
  w->n = n;
  memcpy(w->data, data, n);
  uv_buf_t b = uv_buf_init(w->data, (unsigned)n);
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
    free(w);
    return -1;
  }
  c->unsent += n;
  return 0;
}

/* Sends what TLS has queued for the peer. */
static int flush_tls(hr_conn *c) {
  char buf[16 * 1024];
  int n;
  while ((n = BIO_read(c->wbio, buf, sizeof buf)) > 0)
    if (raw_write(c, buf, (size_t)n)) return -1;
  return 0;
}

int hr_conn_write(hr_conn *c, const void *data, size_t len) {
  if (c->closing) return -1;
  if (!c->ssl) return raw_write(c, data, len);
  if (len && SSL_write(c->ssl, data, (int)len) <= 0) return -1;
  return flush_tls(c);
}

/* ---- closing -------------------------------------------------------------------------------- */

static void on_conn_handle_closed(uv_handle_t *h) {
  hr_conn *c = h->data;
  if (--c->handles > 0) return;
  hr_listener *l = c->l;
  if (c->ssl) SSL_free(c->ssl); /* frees both BIOs */
  free(c);
  if (--l->nconns == 0 && l->closing && !l->handle_open) {
    if (l->ctx) SSL_CTX_free(l->ctx);
    free(l);
  }
}

static void conn_detach(hr_conn *c) {
  hr_listener *l = c->l;
  if (c->prev)
    c->prev->next = c->next;
  else
    l->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  c->prev = c->next = NULL;
  l->st.open--;
  if (c->st) {
    void *st = c->st;
    c->st = NULL;
    l->proto->closed(st);
  }
}

static void conn_close_now(hr_conn *c) {
  if (c->handles == 0) return;
  if (!uv_is_closing((uv_handle_t *)&c->tcp)) {
    if (!c->closing) {
      c->closing = 1;
      conn_detach(c);
    }
    c->reading = 0;
    uv_close((uv_handle_t *)&c->tcp, on_conn_handle_closed);
    uv_close((uv_handle_t *)&c->timer, on_conn_handle_closed);
  }
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  (void)status;
  hr_conn *c = req->data;
  free(req);
  conn_close_now(c);
}

static void on_close_grace(uv_timer_t *t) {
  conn_close_now(t->data);
}

void hr_conn_close(hr_conn *c) {
  if (c->closing) return;
  c->closing = 1;
  update_reading(c);
  conn_detach(c);
  if (c->ssl && c->tls_done) {
    SSL_shutdown(c->ssl); /* close_notify */
    flush_tls(c);
  }
  uv_shutdown_t *req = malloc(sizeof *req);
  if (!req) {
    conn_close_now(c);
    return;
  }
  req->data = c;
  if (uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
    free(req);
    conn_close_now(c);
    return;
  }
  /* A peer that never reads would hold the shutdown for ever. */
  uv_timer_start(&c->timer, on_close_grace, HR_CONN_CLOSE_GRACE_MS, 0);
}

/* ---- reading -------------------------------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
  (void)suggested;
  hr_conn *c = h->data;
  *b = uv_buf_init(c->l->rbuf, sizeof c->l->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);

static void update_reading(hr_conn *c) {
  hr_listener *l = c->l;
  int should = !c->closing && !c->held && c->unsent < HR_CONN_MAX_UNSENT && !l->paused && !l->closing;
  if (should && !c->reading) {
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0) c->reading = 1;
  } else if (!should && c->reading) {
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = 0;
  }
}

static void on_sink_resume(void *opaque) {
  hr_listener *l = opaque;
  fprintf(stderr, "hearth connect: %s: Kafka caught up (%zu records awaiting it): reading again\n", l->proto->name,
          hr_sink_outstanding(l->sink));
  l->paused = 0;
  for (hr_conn *c = l->conns; c; c = c->next)
    update_reading(c);
}

/* After a read: if the sink filled up, every connection stops reading until it drains. */
static void check_sink(hr_listener *l) {
  if (!l->paused && hr_sink_full(l->sink)) {
    fprintf(stderr, "hearth connect: %s: %zu records awaiting Kafka: every connection stops reading\n", l->proto->name,
            hr_sink_outstanding(l->sink));
    l->paused = 1;
    for (hr_conn *c = l->conns; c; c = c->next)
      update_reading(c);
  }
}

static void on_idle(uv_timer_t *t);

static void restart_idle(hr_conn *c) {
  if (c->l->o.idle_ms && !c->closing) uv_timer_start(&c->timer, on_idle, c->l->o.idle_ms, 0);
}

static void on_idle(uv_timer_t *t) {
  hr_conn *c = t->data;
  if (c->st && c->l->proto->busy && c->l->proto->busy(c->st)) {
    restart_idle(c); /* waiting on Kafka is not idleness */
    return;
  }
  c->l->st.closed_idle++;
  fprintf(stderr, "hearth connect: %s: closing idle connection from %s\n", c->l->proto->name, c->peer);
  hr_conn_close(c);
}

void hr_conn_progress(hr_conn *c) {
  restart_idle(c);
}

void hr_conn_hold(hr_conn *c, int hold) {
  c->held = hold;
  update_reading(c);
}

static int name_allowed(const char *allowed, const char *cn) {
  size_t n = strlen(cn);
  for (const char *p = allowed; *p;) {
    while (*p == ' ' || *p == ',' || *p == '\t')
      p++;
    const char *e = p;
    while (*e && *e != ' ' && *e != ',' && *e != '\t')
      e++;
    if ((size_t)(e - p) == n && n && memcmp(p, cn, n) == 0) return 1;
    p = e;
  }
  return 0;
}

/* The handshake finished: establish who the peer is, then open the protocol. */
static int tls_identify(hr_conn *c) {
  hr_listener *l = c->l;
  if (!l->o.client_ca) return 0;
  X509 *cert = SSL_get1_peer_certificate(c->ssl);
  if (!cert || SSL_get_verify_result(c->ssl) != X509_V_OK) {
    if (cert) X509_free(cert);
    return -1;
  }
  char cn[128] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  X509_free(cert);
  if (!cn[0] || (l->o.allowed && *l->o.allowed && !name_allowed(l->o.allowed, cn))) {
    l->st.not_allowed++;
    fprintf(stderr, "hearth connect: %s: refusing %s: client certificate CN '%s' is not an allowed agency\n",
            l->proto->name, c->peer, cn);
    return -1;
  }
  snprintf(c->agency, sizeof c->agency, "%s", cn);
  return 0;
}

static int deliver(hr_conn *c, const char *data, size_t n) {
  hr_listener *l = c->l;
  if (!c->st) {
    c->st = l->proto->open(c, l->opaque);
    if (!c->st) return -1;
  }
  return l->proto->data(c->st, data, n);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b) {
  hr_conn *c = s->data;
  hr_listener *l = c->l;
  if (nread == 0) return;
  if (nread < 0) {
    conn_close_now(c);
    return;
  }
  if (!c->ssl) {
    if (deliver(c, b->base, (size_t)nread) != 0 && !c->closing) hr_conn_close(c);
    check_sink(l);
    return;
  }
  if (BIO_write(c->rbio, b->base, (int)nread) != (int)nread) {
    conn_close_now(c);
    return;
  }
  if (!c->tls_done) {
    int r = SSL_do_handshake(c->ssl);
    flush_tls(c);
    if (r != 1) {
      int e = SSL_get_error(c->ssl, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
      l->st.tls_failed++;
      char why[300];
      tls_errstr(why, sizeof why, "TLS handshake failed");
      fprintf(stderr, "hearth connect: %s: %s from %s\n", l->proto->name, why, c->peer);
      conn_close_now(c);
      return;
    }
    c->tls_done = 1;
    if (tls_identify(c) != 0) {
      conn_close_now(c);
      return;
    }
    if (!c->st && !(c->st = l->proto->open(c, l->opaque))) {
      hr_conn_close(c);
      return;
    }
  }
  for (;;) {
    int n = SSL_read(c->ssl, l->plain, sizeof l->plain);
    if (n <= 0) {
      int e = SSL_get_error(c->ssl, n);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) break;
      ERR_clear_error();
      flush_tls(c);
      if (e == SSL_ERROR_ZERO_RETURN)
        hr_conn_close(c); /* close_notify: answers already queued still go out */
      else
        conn_close_now(c);
      return;
    }
    if (deliver(c, l->plain, (size_t)n) != 0) {
      if (!c->closing) hr_conn_close(c);
      break;
    }
    if (c->closing) break;
  }
  if (!c->closing) flush_tls(c);
  check_sink(l);
}

/* ---- accepting ------------------------------------------------------------------------------ */

static void peer_name(hr_conn *c) {
  struct sockaddr_storage ss;
  int len = sizeof ss;
  char ip[64] = "?";
  int port = 0;
  if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
    if (ss.ss_family == AF_INET) {
      uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
      port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    } else if (ss.ss_family == AF_INET6) {
      uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
      port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
  }
  snprintf(c->peer, sizeof c->peer, "%.63s:%d", ip, port);
}

static void on_connection(uv_stream_t *server, int status) {
  hr_listener *l = server->data;
  if (status < 0 || l->closing) return;
  hr_conn *c = calloc(1, sizeof *c);
  if (!c) return;
  c->l = l;
  uv_tcp_init(l->loop, &c->tcp);
  uv_timer_init(l->loop, &c->timer);
  c->tcp.data = c->timer.data = c;
  c->handles = 2;
  l->nconns++;
  l->st.open++;
  c->next = l->conns;
  if (l->conns) l->conns->prev = c;
  l->conns = c;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
    conn_close_now(c);
    return;
  }
  peer_name(c);
  if (l->st.open > l->o.max_conns) {
    l->st.refused++;
    fprintf(stderr, "hearth connect: %s: refusing %s: already %llu connections\n", l->proto->name, c->peer,
            (unsigned long long)l->o.max_conns);
    conn_close_now(c);
    return;
  }
  l->st.accepted++;
  uv_tcp_nodelay(&c->tcp, 1);
  snprintf(c->agency, sizeof c->agency, "%s", l->o.agency ? l->o.agency : "");
  if (l->ctx) {
    c->ssl = SSL_new(l->ctx);
    c->rbio = BIO_new(BIO_s_mem());
    c->wbio = BIO_new(BIO_s_mem());
    if (!c->ssl || !c->rbio || !c->wbio) {
      if (c->rbio) BIO_free(c->rbio);
      if (c->wbio) BIO_free(c->wbio);
      conn_close_now(c);
      return;
    }
    SSL_set_bio(c->ssl, c->rbio, c->wbio);
    SSL_set_accept_state(c->ssl);
  } else if (!(c->st = l->proto->open(c, l->opaque))) {
    conn_close_now(c);
    return;
  }
  restart_idle(c); /* the handshake and the first message must come within the idle time too */
  update_reading(c);
}

static SSL_CTX *tls_context(const hr_listen_opts *o, char *err, size_t errsz) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) {
    tls_errstr(err, errsz, "TLS");
    return NULL;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1) {
    char what[600];
    snprintf(what, sizeof what, "server certificate %s", o->cert);
    tls_errstr(err, errsz, what);
    goto fail;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, o->key ? o->key : o->cert, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    char what[600];
    snprintf(what, sizeof what, "server key %s", o->key ? o->key : o->cert);
    tls_errstr(err, errsz, what);
    goto fail;
  }
  if (o->client_ca) {
    if (SSL_CTX_load_verify_locations(ctx, o->client_ca, NULL) != 1) {
      char what[600];
      snprintf(what, sizeof what, "client CA %s", o->client_ca);
      tls_errstr(err, errsz, what);
      goto fail;
    }
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(o->client_ca);
    if (names) SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  }
  return ctx;
fail:
  SSL_CTX_free(ctx);
  return NULL;
}

int hr__parse_hostport(const char *s, char *host, size_t hostsz, int *port) {
  const char *colon = strrchr(s, ':');
  if (!colon || colon == s || !colon[1]) return -1;
  const char *h = s, *he = colon;
  if (*h == '[' && he[-1] == ']') h++, he--;
  if ((size_t)(he - h) >= hostsz) return -1;
  memcpy(host, h, (size_t)(he - h));
  host[he - h] = '\0';
  char *end;
  long p = strtol(colon + 1, &end, 10);
  if (*end || p < 0 || p > 65535) return -1;
  *port = (int)p;
  return 0;
}

hr_listener *hr_listener_new(uv_loop_t *loop, const hr_listen_opts *o, const hr_proto *proto, void *opaque,
                             hr_sink *sink, char *err, size_t errsz) {
  char host[256];
  int port;
  if (!o->listen || hr__parse_hostport(o->listen, host, sizeof host, &port)) {
    snprintf(err, errsz, "--listen %s: expected HOST:PORT", o->listen ? o->listen : "(none)");
    return NULL;
  }
  struct sockaddr_storage addr;
  if (uv_ip4_addr(host, port, (struct sockaddr_in *)&addr) != 0 &&
      uv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr) != 0) {
    snprintf(err, errsz, "--listen %s: '%s' is not an IP address", o->listen, host);
    return NULL;
  }
  hr_listener *l = calloc(1, sizeof *l);
  if (!l) {
    snprintf(err, errsz, "out of memory");
    return NULL;
  }
  l->loop = loop;
  l->o = *o;
  if (!l->o.max_conns) l->o.max_conns = 1000;
  l->proto = proto;
  l->opaque = opaque;
  l->sink = sink;
  if (o->cert && !(l->ctx = tls_context(o, err, errsz))) {
    free(l);
    return NULL;
  }
  uv_tcp_init(loop, &l->tcp);
  l->tcp.data = l;
  l->handle_open = 1;
  int r = uv_tcp_bind(&l->tcp, (struct sockaddr *)&addr, 0);
  if (!r) r = uv_listen((uv_stream_t *)&l->tcp, 512, on_connection);
  if (r) {
    snprintf(err, errsz, "cannot listen on %s: %s", o->listen, uv_strerror(r));
    hr_listener_close(l);
    return NULL;
  }
  struct sockaddr_storage bound;
  int blen = sizeof bound;
  uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&bound, &blen);
  l->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                              : ((struct sockaddr_in *)&bound)->sin_port);
  hr_sink_on_resume(sink, on_sink_resume, l);
  return l;
}

int hr_listener_port(const hr_listener *l) {
  return l->port;
}

void hr_listener_stats_get(const hr_listener *l, hr_listener_stats *st) {
  *st = l->st;
}

static void on_listener_closed(uv_handle_t *h) {
  hr_listener *l = h->data;
  l->handle_open = 0;
  if (l->nconns == 0) {
    if (l->ctx) SSL_CTX_free(l->ctx);
    free(l);
  }
}

void hr_listener_close(hr_listener *l) {
  if (!l || l->closing) return;
  l->closing = 1;
  if (l->sink) hr_sink_on_resume(l->sink, NULL, NULL);
  /* Gracefully: answers already queued still go out (each connection has a grace period). */
  while (l->conns)
    hr_conn_close(l->conns);
  uv_close((uv_handle_t *)&l->tcp, on_listener_closed);
}

const char *hr_conn_agency(const hr_conn *c) {
  return c->agency;
}

const char *hr_conn_peer(const hr_conn *c) {
  return c->peer;
}

hr_sink *hr_conn_sink(const hr_conn *c) {
  return c->l->sink;
}
