/* https: `hearth connect custody|nrpf --listen`, JSON posted over HTTPS (HTTP/1.1).
 *
 * POST / (or /v1/custody, /v1/nrpf) with Content-Type application/json and a body that is one
 * record (an object) or a batch (an array of objects). Custody records have the custody feed's
 * JSON shape (REFERENCE section 2); NRPF records are objects whose keys are the NRPF CSV columns
 * (REFERENCE section 5) and whose values are strings, numbers or null. Each record goes through
 * the existing parser (custody.c; for NRPF, the object is written as a one-row CSV for nrpf.c).
 *
 *   202 {"accepted":N}                 every record is on Kafka (answered only after the acks)
 *   400 {"accepted":0,"errors":[...]}  one entry per bad record: index, reason, field, message;
 *                                      a batch is taken whole or not at all, so a sender fixes
 *                                      and resends it without duplicates
 *   503 {"error":...}                  Kafka did not take them: send again
 *   404 405 411 413 415 431 501        what is wrong with the request itself
 *
 * Why our own parser and not libh2o (Debian's libh2o-dev): the surface is one method, one
 * header we need (Content-Length), no chunked bodies, no HTTP/2. h2o would bring its own event
 * loop and TLS stack beside libuv and ours, and a far larger attack surface than the ~150 lines
 * below, which refuse anything outside that surface. One request at a time per connection
 * (keep-alive, no pipelining: reading stops while a request is being answered). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connect.h"
#include "hr_buf.h"
#include "hr_err.h"
#include "json.h"

#define HTTP_MAX_HEAD (16u * 1024u)
#define HTTP_MAX_RECORDS 10000u

typedef struct hsrv {
  hr_connect_opts o;
  hr_connect_stats *st;
  hr_input_kind kind;
  hr_json json;
  hr_buf tmp, errors;
} hsrv;

typedef struct hconn {
  hsrv *srv;
  hr_conn *c;      /* NULL once closed */
  hr_buf in;       /* head, then body */
  size_t head_len; /* bytes of the head, 0 until it is complete */
  size_t body_len; /* Content-Length */
  int close_after; /* Connection: close, or HTTP/1.0 */
  int outstanding; /* records awaiting Kafka, +1 while producing */
  int failed;      /* one of them was not stored */
  size_t accepted;
  int guard; /* >0 while inside our own code: a close then defers the free to guard_end() */
  char source[160];
} hconn;

static void hconn_free(hconn *h) {
  hr_buf_free(&h->in);
  free(h);
}

/* Answering can close the connection, and the close frees the state: code that answers holds
 * the guard, and the last one out frees. Returns 1 when h is gone. */
static int guard_end(hconn *h) {
  if (--h->guard == 0 && !h->c && h->outstanding == 0) {
    hconn_free(h);
    return 1;
  }
  return 0;
}

static const char *status_text(int code) {
  switch (code) {
  case 202: return "Accepted";
  case 400: return "Bad Request";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 411: return "Length Required";
  case 413: return "Content Too Large";
  case 415: return "Unsupported Media Type";
  case 431: return "Request Header Fields Too Large";
  case 501: return "Not Implemented";
  default: return "Service Unavailable";
  }
}

static void respond(hconn *h, int code, const char *body, int close_conn) {
  if (!h->c) return;
  hr_buf out = {0};
  hr_buf_printf(&out, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n%s", code,
                status_text(code), strlen(body), close_conn || h->close_after ? "Connection: close\r\n" : "", body);
  if (!out.oom) hr_conn_write(h->c, out.data, out.len);
  hr_buf_free(&out);
  if (close_conn || h->close_after) hr_conn_close(h->c);
}

static void fail_request(hconn *h, int code, const char *why) {
  hr_buf b = {0};
  hr_buf_puts(&b, "{\"error\":");
  hr_buf_json_cstr(&b, why);
  hr_buf_puts(&b, "}");
  respond(h, code, b.oom ? "{}" : b.data, 1);
  hr_buf_free(&b);
}

static void reset_request(hconn *h) {
  size_t used = h->head_len + h->body_len;
  size_t rest = h->in.len - used; /* a client that sent the next request early */
  if (rest) memmove(h->in.data, h->in.data + used, rest);
  h->in.len = rest;
  h->head_len = h->body_len = 0;
  h->accepted = 0;
  h->failed = 0;
}

static int hconn_data(void *stp, const char *data, size_t len);

static void finished(hconn *h) {
  hsrv *srv = h->srv;
  if (!h->c) return;
  if (h->failed) {
    srv->st->failed++;
    fail_request(h, 503, "Kafka did not acknowledge every record in time: send the request again");
    return;
  }
  char body[64];
  snprintf(body, sizeof body, "{\"accepted\":%zu}", h->accepted);
  srv->st->acked++;
  respond(h, 202, body, 0);
  if (!h->c) return;
  reset_request(h);
  hr_conn_progress(h->c);
  hr_conn_hold(h->c, 0);
  if (h->in.len) hconn_data(h, "", 0); /* an early next request */
}

static void on_stored(void *opaque, int err, const char *why) {
  (void)why;
  hconn *h = opaque;
  if (err) h->failed = 1;
  h->guard++;
  if (--h->outstanding == 0) finished(h);
  guard_end(h);
}

/* One record's text as the feed's parser reads it: custody as one JSON line; NRPF as a
 * one-row CSV built from the object's keys and values. 0, or -1 with why set. */
static int record_text(hsrv *srv, int node, const char **why) {
  hr_json *j = &srv->json;
  hr_buf *t = &srv->tmp;
  hr_buf_reset(t);
  if (hr_json_type_of(j, node) != HR_JSON_OBJECT) {
    *why = "a record must be a JSON object";
    return -1;
  }
  if (srv->kind == HR_INPUT_CUSTODY) {
    const char *s = j->src + j->nodes[node].start;
    size_t n = j->nodes[node].len;
    for (size_t i = 0; i < n; i++) /* newlines can only be white space between tokens */
      hr_buf_putc(t, s[i] == '\n' || s[i] == '\r' ? ' ' : s[i]);
    return t->oom ? (*why = "out of memory", -1) : 0;
  }
  hr_buf vals = {0};
  int first = 1;
  for (int k = hr_json_first(j, node); k >= 0; k = hr_json_next(j, node, hr_json_next(j, node, k))) {
    int v = k + 1;
    int ty = hr_json_type_of(j, v);
    if (ty == HR_JSON_OBJECT || ty == HR_JSON_ARRAY || ty == HR_JSON_TRUE || ty == HR_JSON_FALSE) {
      hr_buf_free(&vals);
      *why = "NRPF values must be strings, numbers or null";
      return -1;
    }
    char *key = malloc(j->nodes[k].len + 1), *val = NULL;
    size_t kl = key ? hr_json_str(j, k, key) : 0, vl = 0;
    if (ty == HR_JSON_STRING) {
      val = malloc(j->nodes[v].len + 1);
      vl = val ? hr_json_str(j, v, val) : 0;
    } else if (ty == HR_JSON_NUMBER) {
      val = malloc(j->nodes[v].len + 1);
      if (val) memcpy(val, j->src + j->nodes[v].start, vl = j->nodes[v].len);
    }
    if (!key || (ty != HR_JSON_NULL && !val)) {
      free(key);
      free(val);
      hr_buf_free(&vals);
      *why = "out of memory";
      return -1;
    }
    /* Every cell quoted (RFC 4180), quotes doubled: the CSV reader sees exactly the value. */
    hr_buf *bufs[2] = {t, &vals};
    const char *cells[2] = {key, val ? val : ""};
    size_t lens[2] = {kl, val ? vl : 0};
    for (int c = 0; c < 2; c++) {
      if (!first) hr_buf_putc(bufs[c], ',');
      hr_buf_putc(bufs[c], '"');
      for (size_t i = 0; i < lens[c]; i++) {
        if (cells[c][i] == '"') hr_buf_putc(bufs[c], '"');
        hr_buf_putc(bufs[c], cells[c][i]);
      }
      hr_buf_putc(bufs[c], '"');
    }
    first = 0;
    free(key);
    free(val);
  }
  hr_buf_putc(t, '\n');
  hr_buf_append(t, vals.data ? vals.data : "", vals.len);
  hr_buf_putc(t, '\n');
  hr_buf_free(&vals);
  return t->oom ? (*why = "out of memory", -1) : 0;
}

/* Checks every record (pass 0), then produces them all (pass 1) only if every one was good. */
static void handle_body(hconn *h, const char *body, size_t len) {
  hsrv *srv = h->srv;
  srv->st->messages++;
  if (!hr_utf8_valid(body, len)) {
    fail_request(h, 400, "the body is not valid UTF-8");
    return;
  }
  if (hr_json_parse(&srv->json, body, len) != 0) {
    char why[200];
    snprintf(why, sizeof why, "the body is not JSON: %s at byte %zu", srv->json.err ? srv->json.err : "error",
             srv->json.err_pos);
    fail_request(h, 400, why);
    return;
  }
  hr_json *j = &srv->json;
  int root = 0, single = hr_json_type_of(j, root) == HR_JSON_OBJECT;
  if (!single && hr_json_type_of(j, root) != HR_JSON_ARRAY) {
    fail_request(h, 400, "the body must be a JSON object (one record) or an array of objects (a batch)");
    return;
  }
  hr_buf *errs = &srv->errors;
  char err[256];
  h->outstanding = 1; /* held while producing */
  for (int pass = 0; pass < 2; pass++) {
    hr_buf_reset(errs);
    size_t index = 0, nerr = 0;
    for (int el = single ? root : hr_json_first(j, root); el >= 0;
         el = single ? -1 : hr_json_next(j, root, el), index++) {
      if (index >= HTTP_MAX_RECORDS) {
        fail_request(h, 413, "more than 10000 records in one request: split the batch");
        return;
      }
      const char *why = NULL;
      hr_reader *r = NULL;
      hr_record rec;
      int got = 0;
      if (record_text(srv, el, &why) == 0) {
        r = hr_reader_new(srv->kind, srv->tmp.data, srv->tmp.len, h->source, hr_conn_agency(h->c));
        got = r && hr_reader_next(r, &rec);
        if (!got) why = "no record in it";
      }
      if (got && rec.type == HR_RECORD_DEADLETTER) {
        hr_buf_printf(errs, "%s{\"index\":%zu,\"reason\":\"%s\",\"field\":", nerr ? "," : "", index,
                      hr_dl_reason_code(rec.dl->reason));
        hr_buf_json_cstr(errs, rec.dl->field ? rec.dl->field : "");
        hr_buf_puts(errs, ",\"message\":");
        hr_buf_json_cstr(errs, rec.dl->message);
        hr_buf_puts(errs, "}");
        nerr++;
      } else if (!got || rec.type != HR_RECORD_EVENT) {
        hr_buf_printf(
            errs, "%s{\"index\":%zu,\"reason\":\"not_parseable\",\"field\":\"\",\"message\":", nerr ? "," : "", index);
        hr_buf_json_cstr(errs, why ? why : "not a record");
        hr_buf_puts(errs, "}");
        nerr++;
      } else if (pass == 1) {
        srv->st->events++;
        if (hr_sink_event(hr_conn_sink(h->c), rec.event, NULL, on_stored, h, err, sizeof err) == 0) {
          h->outstanding++;
          h->accepted++;
        } else {
          h->failed = 1;
        }
      }
      hr_reader_free(r);
    }
    if (pass == 0 && nerr) {
      srv->st->errors++;
      srv->st->deadletters += nerr;
      hr_buf body400 = {0};
      hr_buf_printf(&body400, "{\"accepted\":0,\"errors\":[%s]}", errs->data ? errs->data : "");
      h->outstanding = 0;
      respond(h, 400, body400.oom ? "{}" : body400.data, 0);
      hr_buf_free(&body400);
      if (h->c) reset_request(h);
      return;
    }
  }
  hr_conn_hold(h->c, 1); /* one request at a time */
  on_stored(h, 0, NULL); /* drops the hold taken above */
}

static int header_is(const char *line, size_t n, const char *name, const char **val, size_t *vlen) {
  size_t k = strlen(name);
  if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':') return 0;
  const char *v = line + k + 1, *e = line + n;
  while (v < e && (*v == ' ' || *v == '\t'))
    v++;
  while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
    e--;
  *val = v;
  *vlen = (size_t)(e - v);
  return 1;
}

/* Parses the head in h->in[0..head_len). 0, or an HTTP status to answer with (then close). */
static int parse_head(hconn *h, const char **why) {
  const char *s = h->in.data, *end = s + h->head_len - 2; /* up to the blank line's CRLF */
  const char *eol = strstr(s, "\r\n");
  size_t rl = (size_t)(eol - s);
  char method[8], target[256], version[16];
  if (rl >= 280 || sscanf(s, "%7s %255s %15s", method, target, version) != 3) return *why = "bad request line", 400;
  if (strcmp(version, "HTTP/1.1") != 0 && strcmp(version, "HTTP/1.0") != 0) return *why = "HTTP/1.1 only", 400;
  h->close_after = strcmp(version, "HTTP/1.0") == 0;
  char kind_path[64];
  snprintf(kind_path, sizeof kind_path, "/v1/%s", h->srv->kind == HR_INPUT_CUSTODY ? "custody" : "nrpf");
  if (strcmp(target, "/") != 0 && strcmp(target, kind_path) != 0) return *why = "POST to / or /v1/<kind>", 404;
  if (strcmp(method, "POST") != 0) return *why = "only POST is accepted", 405;
  int have_len = 0, json = 0;
  for (const char *p = eol + 2; p < end;) {
    const char *e = strstr(p, "\r\n");
    size_t n = (size_t)(e - p);
    const char *v;
    size_t vl;
    if (n == 0 || *p == ' ' || *p == '\t' || !memchr(p, ':', n)) return *why = "malformed header line", 400;
    if (header_is(p, n, "Content-Length", &v, &vl)) {
      if (have_len || vl == 0 || vl > 12) return *why = "bad Content-Length", 400;
      size_t x = 0;
      for (size_t i = 0; i < vl; i++) {
        if (v[i] < '0' || v[i] > '9') return *why = "bad Content-Length", 400;
        x = x * 10 + (size_t)(v[i] - '0');
      }
      h->body_len = x;
      have_len = 1;
    } else if (header_is(p, n, "Transfer-Encoding", &v, &vl)) {
      return *why = "chunked bodies are not accepted: send Content-Length", 501;
    } else if (header_is(p, n, "Content-Type", &v, &vl)) {
      json = vl >= 16 && strncasecmp(v, "application/json", 16) == 0 && (vl == 16 || v[16] == ';' || v[16] == ' ');
    } else if (header_is(p, n, "Connection", &v, &vl)) {
      if (vl == 5 && strncasecmp(v, "close", 5) == 0) h->close_after = 1;
    }
    p = e + 2;
  }
  if (!have_len) return *why = "Content-Length is required", 411;
  if (h->body_len > h->srv->o.max_message) return *why = "body larger than the limit (max_message_bytes)", 413;
  if (!json) return *why = "Content-Type must be application/json", 415;
  return 0;
}

static int hconn_data_(hconn *h, const char *data, size_t len);

static int hconn_data(void *stp, const char *data, size_t len) {
  hconn *h = stp;
  h->guard++;
  int rc = hconn_data_(h, data, len);
  return guard_end(h) ? 0 : rc;
}

static int hconn_data_(hconn *h, const char *data, size_t len) {
  if (!h->c) return -1;
  if (h->outstanding) { /* reading is held while answering; bytes arriving meanwhile wait here */
    hr_buf_append(&h->in, data, len);
    return h->in.len > HTTP_MAX_HEAD + h->srv->o.max_message ? -1 : 0;
  }
  hr_buf_append(&h->in, data, len);
  if (h->in.oom) return -1;
  if (!h->head_len) {
    const char *e = h->in.len >= 4 ? strstr(h->in.data, "\r\n\r\n") : NULL;
    if (!e) {
      if (h->in.len > HTTP_MAX_HEAD || memchr(h->in.data, '\0', h->in.len)) {
        fail_request(h, h->in.len > HTTP_MAX_HEAD ? 431 : 400, "the request head is too large or not text");
        return 0;
      }
      return 0;
    }
    h->head_len = (size_t)(e - h->in.data) + 4;
    if (h->head_len > HTTP_MAX_HEAD) {
      fail_request(h, 431, "the request head is larger than 16 KiB");
      return 0;
    }
    const char *why = NULL;
    int code = parse_head(h, &why);
    if (code) {
      fail_request(h, code, why);
      return 0;
    }
  }
  if (h->in.len - h->head_len < h->body_len) return 0;
  handle_body(h, h->in.data + h->head_len, h->body_len);
  return 0;
}

static void *hconn_open(hr_conn *c, void *opaque) {
  hsrv *srv = opaque;
  hconn *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  h->srv = srv;
  h->c = c;
  const char *agency = hr_conn_agency(c);
  snprintf(h->source, sizeof h->source, "https:%s", *agency ? agency : hr_conn_peer(c));
  return h;
}

static int hconn_busy(void *stp) {
  return ((hconn *)stp)->outstanding > 0;
}

static void hconn_closed(void *stp) {
  hconn *h = stp;
  h->c = NULL;
  if (h->outstanding == 0 && h->guard == 0) hconn_free(h);
}

static const hr_proto https_proto = {"https", hconn_open, hconn_data, hconn_busy, hconn_closed};

int hr_connect_https(hr_input_kind kind, const hr_connect_opts *o, hr_connect_stats *st, char *err, size_t errsz) {
  hsrv srv;
  memset(&srv, 0, sizeof srv);
  memset(st, 0, sizeof *st);
  srv.o = *o;
  if (!srv.o.max_message) srv.o.max_message = 8u << 20;
  srv.kind = kind;
  srv.st = st;
  if (hr_json_init(&srv.json, 4u << 20)) {
    snprintf(err, errsz, "out of memory");
    return HR_ENOMEM;
  }
  int rc = hr_run_service(&srv.o, &https_proto, &srv, kind == HR_INPUT_CUSTODY ? "custody" : "nrpf", err, errsz);
  hr_json_free(&srv.json);
  hr_buf_free(&srv.tmp);
  hr_buf_free(&srv.errors);
  return rc;
}
