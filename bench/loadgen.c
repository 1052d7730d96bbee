/*
 * dockgate bench load generator: one thread, epoll, OpenSSL, client certificates.
 *
 * Why C: wrk has no client-certificate option, h2load neither, and a Node generator would
 * compete with the Node gateway for the same two CPUs. This one costs little CPU per request.
 *
 * Modes:
 *   keepalive  N connections, each sends the request again as soon as the answer is complete;
 *              with --warm each connection first completes one unmeasured request (its TLS
 *              handshake included) and timing starts once all have
 *   newconn    N workers, each opens a fresh connection (and TLS handshake) per request; once
 *              answered, a connection is drained, not closed at once: read until the peer closes
 *              it, at most --drain seconds (0.05), while its worker goes on with a new one, and a byte read
 *              there is an error (nothing was asked for it). "undrained" counts connections
 *              closed before that because DRAIN_MAX were draining already
 *   hold       N connections each send one request, wait for the head of a stream (chunked or
 *              until EOF: a complete answer is an error), then hold the stream; the hold lasts
 *              --duration after all are in and, with --await-data, until every stream has
 *              received at least one byte (at most 20 s longer); with --await-match STR a
 *              stream counts as having received data only once its bytes contain STR (the
 *              caller makes events that name it, so bytes the target makes up do not count)
 *   upgrade    one hijacked request (docker exec): after 101 sends --body-file as stdin and
 *              reads the multiplexed output, hashing the stdout payload
 * Output: one JSON object on stdout. "ready" on stderr when measuring starts (after --warm's
 * requests; in hold mode once every stream is in), so a caller can sample CPU from there.
 * Besides the status histogram the output counts what proves the answers and the load were
 * what they should be: body_min/body_max (smallest and largest body of one response, warm
 * requests included), connections opened, TLS sessions resumed, held streams that received data.
 * A response with bytes past the end of its body, with both Content-Length and Transfer-Encoding:
 * chunked, or with Content-Lengths that differ is an error, not an answer; a request head longer
 * than its 8 KiB buffer is refused at start (exit 2).
 * With --ids FILE the Id of every 201's body (its "Id" string, looked for in the body's first
 * ID_WINDOW bytes, nothing else of the body kept) goes to FILE, one per line, and an empty line
 * for a 201 without one, so the caller can match the containers a create run made to its 201s.
 * Statuses outside 0-599 are counted under "other"; a connection reset (TLS or not) is an error,
 * never the end of an answer, and SIGPIPE is ignored so a write to a reset connection is one too.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum mode { M_KEEPALIVE, M_NEWCONN, M_HOLD, M_UPGRADE };
enum state { S_IDLE, S_CONNECTING, S_HANDSHAKE, S_WRITE, S_HEAD, S_BODY, S_HELD, S_TUNNEL, S_DONE };
enum framing { F_LENGTH, F_CHUNKED, F_EOF, F_NONE };

/* Options. */
static enum mode mode = M_KEEPALIVE;
static const char *unix_path, *host = "127.0.0.1";
static int port, use_tls, concurrency = 1, hash_body, warm, await_data;
static double duration = 5, timeout_s = 120;
/* --await-data: how long past the hold to wait for the held streams' first bytes. */
#define AWAIT_S 20
static long max_requests = -1;
static const char *ca, *cert, *key, *method = "GET", *path = "/_ping", *body_file, *content_type;
/* --await-match: the string a held stream's data must contain to count as streamed. */
static const char *await_match;
static size_t match_len;
#define MATCH_MAX 128
static unsigned char *body;
static size_t body_len;
/* --ids: where the Ids of 201 bodies go (one per line). */
static FILE *ids_out;
/* --ids: how much of each body's start is kept to find its "Id" in. */
#define ID_WINDOW 256
static char req_head[8192];
static size_t req_head_len;

/* Results. */
static long completed, errors, status_counts[600], status_other, established, connections, resumed, streamed, warmed;
/* Smallest and largest body of one complete response (-1: none yet). */
static long long body_min = -1, body_max = -1;
/* Keep-alive with --warm: 1 while every connection does its first, unmeasured request. */
static int warming;
static unsigned long long body_bytes, bytes_sent;
static char first_error[256];
static EVP_MD_CTX *sha;

/* Latency histogram in microseconds, log-linear (about 0.4% resolution). */
#define HBUCKETS (2048 + 40 * 256)
static unsigned long long hist[HBUCKETS];
static int hbucket(unsigned long long us) {
  if (us < 2048) return (int)us;
  int msb = 63 - __builtin_clzll(us);
  int b = 2048 + (msb - 11) * 256 + (int)((us >> (msb - 8)) & 255);
  return b < HBUCKETS ? b : HBUCKETS - 1;
}
static unsigned long long hvalue(int b) {
  if (b < 2048) return (unsigned long long)b;
  int msb = (b - 2048) / 256 + 11;
  return ((unsigned long long)(256 + (b - 2048) % 256)) << (msb - 8);
}
static unsigned long long percentile(double p) {
  unsigned long long total = 0, seen = 0;
  for (int i = 0; i < HBUCKETS; i++) total += hist[i];
  if (!total) return 0;
  unsigned long long want = (unsigned long long)(p * (double)total);
  if (want >= total) want = total - 1;
  for (int i = 0; i < HBUCKETS; i++) {
    seen += hist[i];
    if (seen > want) return hvalue(i);
  }
  return 0;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* What an epoll event's data.ptr points to: the first member of struct conn and struct drain. */
enum kind { K_CONN, K_DRAIN };

struct conn {
  enum kind kind; /* K_CONN (0, as calloc leaves it) */
  int fd;
  SSL *ssl;
  enum state st;
  double started;
  size_t wpos; /* bytes of head+body written */
  char buf[65536];
  size_t blen;
  enum framing framing;
  long long remaining; /* body bytes left (length) or in current chunk */
  int chunk_state;     /* 0 size line, 1 data, 2 CRLF after data, 3 trailers */
  int status, keep;
  long long resp_bytes; /* body bytes of the current response */
  int warm_req;         /* --warm: the request in flight was started while warming (not timed) */
  int warm_done;        /* --warm: this connection has completed an unmeasured request */
  int got_data;         /* hold: the stream delivered at least one byte (with --await-match: the string) */
  char id_window[ID_WINDOW]; /* --ids: the first bytes of the current response's body */
  size_t id_len;
  char tail[MATCH_MAX]; /* hold with --await-match: the last bytes seen, for a match split across reads */
  size_t tail_len;
  /* upgrade: stdin written and demux state */
  size_t in_pos;
  unsigned char fh[8];
  int fh_len;
  long long frame_left;
  int frame_stream;
};

/* newconn: an answered connection being drained (read until the peer closes, at most drain_s). */
struct drain {
  enum kind kind; /* K_DRAIN */
  int fd;         /* -1: closed, the slot waits to leave the ring */
  SSL *ssl;
  double until;
};
/* --drain: how long an answered new connection is read for bytes past its answer, in seconds. */
static double drain_s = 0.05;
#define DRAIN_MAX 4096
/* The draining connections, oldest first (each drains as long, so the oldest ends first). */
static struct drain drains[DRAIN_MAX];
static size_t drain_head, drain_count;
static long undrained;

static SSL_CTX *ctx;
static int ep;
static struct conn *conns;
static double deadline;
static int stopping;

static void fail(struct conn *c, const char *why) {
  errors++;
  if (!first_error[0]) snprintf(first_error, sizeof first_error, "%s (errno %d, ssl %lu)", why, errno, ERR_peek_last_error());
  ERR_clear_error();
  (void)c;
}

static void close_conn(struct conn *c) {
  if (c->ssl) {
    if (c->st != S_CONNECTING && c->st != S_HANDSHAKE) SSL_shutdown(c->ssl);
    SSL_free(c->ssl);
    c->ssl = NULL;
  }
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  c->st = S_IDLE;
}

static int open_conn(struct conn *c) {
  int fd;
  if (unix_path) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, unix_path, sizeof a.sun_path - 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS && errno != EAGAIN) {
      close(fd);
      return -1;
    }
  } else {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
      close(fd);
      return -1;
    }
  }
  c->fd = fd;
  connections++;
  c->st = S_CONNECTING;
  c->blen = 0;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  return 0;
}

static void start_request(struct conn *c) {
  c->warm_req = warming;
  c->st = S_WRITE;
  c->wpos = 0;
  c->started = now_s();
}

/* Raw I/O through TLS or not. Returns >0 bytes, 0 on EOF, -1 would block, -2 error. */
static ssize_t raw_read(int fd, SSL *ssl, void *p, size_t n) {
  if (ssl) {
    errno = 0;
    int r = SSL_read(ssl, p, (int)n);
    int err = errno;
    if (r > 0) return r;
    int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return -1;
    if (e == SSL_ERROR_ZERO_RETURN) return 0;
    /* EOF without close_notify; a failed read (ECONNRESET: errno set) is an error, not an end. */
    if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && err == 0) return 0;
    errno = err;
    return -2;
  }
  ssize_t r = read(fd, p, n);
  if (r >= 0) return r;
  return errno == EAGAIN ? -1 : -2;
}
static ssize_t io_read(struct conn *c, void *p, size_t n) { return raw_read(c->fd, c->ssl, p, n); }
static ssize_t io_write(struct conn *c, const void *p, size_t n) {
  if (c->ssl) {
    int r = SSL_write(c->ssl, p, (int)(n > 1 << 20 ? 1 << 20 : n));
    if (r > 0) return r;
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return -1;
    return -2;
  }
  ssize_t r = send(c->fd, p, n, MSG_NOSIGNAL);
  if (r >= 0) return r;
  return errno == EAGAIN ? -1 : -2;
}

/* --ids: the value of the "Id" string in the body's first bytes, into out (NUL-terminated, empty
   when there is none). Only what Docker's create answer has: "Id", optional spaces, ':', '"'. */
static void body_id(const struct conn *c, char *out, size_t cap) {
  const char *w = c->id_window, *end = w + c->id_len;
  out[0] = 0;
  for (const char *p = w; (p = memmem(p, (size_t)(end - p), "\"Id\"", 4)); p += 4) {
    const char *q = p + 4;
    while (q < end && (*q == ' ' || *q == '\t')) q++;
    if (q >= end || *q++ != ':') continue;
    while (q < end && (*q == ' ' || *q == '\t')) q++;
    if (q >= end || *q++ != '"') continue;
    const char *close = memchr(q, '"', (size_t)(end - q));
    if (!close || (size_t)(close - q) >= cap) return;
    memcpy(out, q, (size_t)(close - q));
    out[close - q] = 0;
    return;
  }
}

static void finished(struct conn *c) {
  double lat = now_s() - c->started;
  if (ids_out && c->status == 201 && mode != M_HOLD && mode != M_UPGRADE) {
    char id[ID_WINDOW];
    body_id(c, id, sizeof id);
    fprintf(ids_out, "%s\n", id);
  }
  if (c->status >= 0 && c->status < 600) status_counts[c->status]++;
  else status_other++;
  if (mode != M_HOLD && mode != M_UPGRADE) {
    if (body_min < 0 || c->resp_bytes < body_min) body_min = c->resp_bytes;
    if (c->resp_bytes > body_max) body_max = c->resp_bytes;
  }
  if (warming || c->warm_req) {
    /* An unmeasured --warm request: checked (status, body size), not timed. */
    c->warm_req = 0;
    warmed++;
    c->warm_done = 1;
    return;
  }
  completed++;
  hist[hbucket((unsigned long long)(lat * 1e6))]++;
  if (max_requests > 0 && completed >= max_requests) stopping = 1;
}

/* Does the header line [line, nl) contain `word` (case-insensitive)? Searches that line only:
   the buffer is not NUL-terminated and holds stale bytes past what was received. */
static int line_has(const char *line, const char *nl, const char *word) {
  size_t wl = strlen(word);
  for (const char *p = line; p + wl <= nl; p++)
    if (!strncasecmp(p, word, wl)) return 1;
  return 0;
}

/* Why the last response head was refused (parse_head returned -1). */
static const char *head_error = "bad response head";

/* Parse a complete response head in c->buf; returns head length or 0 if incomplete, -1 bad
   (head_error says why). A head with both Content-Length and Transfer-Encoding: chunked, or
   with Content-Lengths that differ, is refused: RFC 9112 (6.1, 6.3) calls such a message
   suspect, and which header wins decides where the body ends. */
static long parse_head(struct conn *c) {
  head_error = "bad response head";
  char *end = memmem(c->buf, c->blen, "\r\n\r\n", 4);
  if (!end) return c->blen >= sizeof c->buf ? -1 : 0;
  size_t hl = (size_t)(end - c->buf) + 4;
  if (hl < 12 || strncmp(c->buf, "HTTP/1.", 7) != 0) return -1;
  c->status = atoi(c->buf + 9);
  c->resp_bytes = 0;
  c->id_len = 0;
  c->framing = F_EOF;
  c->keep = 1;
  c->remaining = 0;
  int has_length = 0, has_chunked = 0;
  long long length = 0;
  char *line = memchr(c->buf, '\n', hl) + 1;
  while (line < c->buf + hl - 2) {
    char *nl = memchr(line, '\n', (size_t)(c->buf + hl - line));
    if (!strncasecmp(line, "content-length:", 15)) {
      long long v = atoll(line + 15);
      if (has_length && v != length) {
        head_error = "Content-Length headers that differ";
        return -1;
      }
      has_length = 1;
      length = v;
    } else if (!strncasecmp(line, "transfer-encoding:", 18) && line_has(line, nl, "chunked")) {
      has_chunked = 1;
    } else if (!strncasecmp(line, "connection:", 11) && line_has(line, nl, "close")) {
      c->keep = 0;
    }
    line = nl + 1;
  }
  if (has_length && has_chunked) {
    head_error = "both Content-Length and Transfer-Encoding: chunked";
    return -1;
  }
  if (has_chunked) {
    c->framing = F_CHUNKED;
    c->chunk_state = 0;
  } else if (has_length) {
    c->framing = F_LENGTH;
    c->remaining = length;
  }
  if (c->status == 204 || c->status == 304 || (c->status >= 100 && c->status < 200)) c->framing = F_NONE;
  if (c->framing == F_LENGTH && c->remaining == 0) c->framing = F_NONE;
  return (long)hl;
}

static void hash(const unsigned char *p, size_t n) {
  if (hash_body) EVP_DigestUpdate(sha, p, n);
}

/* A response's body bytes p[0..n): hashed with --sha256, the first ID_WINDOW kept with --ids. */
static void body_data(struct conn *c, const unsigned char *p, size_t n) {
  hash(p, n);
  if (ids_out && c->id_len < ID_WINDOW) {
    size_t k = n < ID_WINDOW - c->id_len ? n : ID_WINDOW - c->id_len;
    memcpy(c->id_window + c->id_len, p, k);
    c->id_len += k;
  }
}

/* Consume body bytes in buf[0..n); returns bytes consumed, sets *done when the body ended. */
static size_t consume_body(struct conn *c, const unsigned char *p, size_t n, int *done) {
  size_t used = 0;
  *done = 0;
  if (c->framing == F_NONE) {
    *done = 1;
    return 0;
  }
  if (c->framing == F_EOF) {
    body_bytes += n;
    c->resp_bytes += (long long)n;
    body_data(c, p, n);
    return n;
  }
  if (c->framing == F_LENGTH) {
    size_t take = n < (size_t)c->remaining ? n : (size_t)c->remaining;
    body_bytes += take;
    c->resp_bytes += (long long)take;
    body_data(c, p, take);
    c->remaining -= (long long)take;
    if (c->remaining == 0) *done = 1;
    return take;
  }
  while (used < n) {
    if (c->chunk_state == 0 || c->chunk_state == 2 || c->chunk_state == 3) {
      const unsigned char *nl = memchr(p + used, '\n', n - used);
      if (!nl) return used; /* wait for the rest of the line */
      size_t ll = (size_t)(nl - (p + used)) + 1;
      if (c->chunk_state == 0) {
        c->remaining = strtoll((const char *)p + used, NULL, 16);
        c->chunk_state = c->remaining == 0 ? 3 : 1;
      } else if (c->chunk_state == 2) {
        c->chunk_state = 0;
      } else if (ll <= 2) {
        used += ll;
        *done = 1;
        return used;
      }
      used += ll;
    } else {
      size_t take = n - used < (size_t)c->remaining ? n - used : (size_t)c->remaining;
      body_bytes += take;
      c->resp_bytes += (long long)take;
      body_data(c, p + used, take);
      c->remaining -= (long long)take;
      used += take;
      if (c->remaining == 0) c->chunk_state = 2;
    }
  }
  return used;
}

/* Demultiplex Docker's stdout/stderr frames; hashes stdout payload. */
static void demux(struct conn *c, const unsigned char *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (c->frame_left == 0) {
      c->fh[c->fh_len++] = p[i++];
      if (c->fh_len == 8) {
        c->frame_stream = c->fh[0];
        c->frame_left = ((long long)c->fh[4] << 24) | (c->fh[5] << 16) | (c->fh[6] << 8) | c->fh[7];
        c->fh_len = 0;
      }
      continue;
    }
    size_t take = n - i < (size_t)c->frame_left ? n - i : (size_t)c->frame_left;
    if (c->frame_stream == 1) {
      body_bytes += take;
      hash(p + i, take);
    }
    c->frame_left -= (long long)take;
    i += take;
  }
}

static void drain_close(struct drain *d) {
  if (d->ssl) {
    SSL_shutdown(d->ssl);
    SSL_free(d->ssl);
    d->ssl = NULL;
  }
  close(d->fd);
  d->fd = -1;
}

/* Read what the drained connection has: a byte is an error (the answer was complete, nothing
   else was asked for), the peer's close or a failed read ends the drain. */
static void drain_read(struct drain *d) {
  static char scratch[16384];
  if (d->fd < 0) return;
  ssize_t r = raw_read(d->fd, d->ssl, scratch, sizeof scratch);
  if (r == -1) return;
  if (r > 0) fail(NULL, "bytes after the response, on a new connection drained after its answer");
  drain_close(d);
}

/* Drains that are closed or past their time leave the ring (oldest first); with `all`, every
   one, as at the end of the run. A drain still open is read once more before it is closed. */
static void drain_expire(double t, int all) {
  while (drain_count) {
    struct drain *d = &drains[drain_head];
    if (d->fd >= 0 && !all && d->until > t) return;
    drain_read(d);
    if (d->fd >= 0) drain_close(d);
    drain_head = (drain_head + 1) % DRAIN_MAX;
    drain_count--;
  }
}

/* newconn: the answered connection c is drained from here while c's slot opens the next one. */
static void drain_start(struct conn *c) {
  if (drain_count == DRAIN_MAX) {
    /* Every slot drains: the oldest is cut short (read once more, then closed). */
    struct drain *old = &drains[drain_head];
    if (old->fd >= 0) {
      drain_read(old);
      if (old->fd >= 0) {
        undrained++;
        drain_close(old);
      }
    }
    drain_head = (drain_head + 1) % DRAIN_MAX;
    drain_count--;
  }
  struct drain *d = &drains[(drain_head + drain_count) % DRAIN_MAX];
  drain_count++;
  *d = (struct drain){.kind = K_DRAIN, .fd = c->fd, .ssl = c->ssl, .until = now_s() + drain_s};
  c->fd = -1;
  c->ssl = NULL;
  c->st = S_IDLE;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLET | EPOLLRDHUP, .data.ptr = d};
  epoll_ctl(ep, EPOLL_CTL_MOD, d->fd, &ev);
  drain_read(d);
}

static void after_response(struct conn *c) {
  finished(c);
  if (warming) {
    /* Until every connection is warm, keep this one busy (an idle one could time out while the
       others still handshake); one the target closed is reopened when timing starts. */
    if (c->keep) start_request(c);
    else close_conn(c);
    return;
  }
  if (mode == M_KEEPALIVE && c->keep && !stopping && now_s() < deadline) {
    start_request(c);
  } else if (mode == M_NEWCONN) {
    drain_start(c);
  } else {
    close_conn(c);
  }
}

/* A response's body ended with c->blen bytes still unread: nothing was asked for them (one
   request at a time), so a target that sends more than it declared is broken, not answered. */
static void body_ended(struct conn *c) {
  if (c->blen) {
    fail(c, "bytes after the end of the response body");
    close_conn(c);
    return;
  }
  after_response(c);
}

/* Hold: n bytes of stream data arrived; does the stream now count as having received data? */
static int stream_data(struct conn *c, const char *p, size_t n) {
  if (!n) return 0;
  if (!await_match) return 1;
  /* The match may straddle the previous read: search the kept tail joined to the start of p. */
  char joined[2 * MATCH_MAX];
  size_t head = n < match_len - 1 ? n : match_len - 1;
  memcpy(joined, c->tail, c->tail_len);
  memcpy(joined + c->tail_len, p, head);
  if (memmem(joined, c->tail_len + head, await_match, match_len) || memmem(p, n, await_match, match_len)) return 1;
  /* Keep the last match_len - 1 bytes of tail + p. */
  size_t keep = match_len - 1;
  if (n >= keep) {
    memcpy(c->tail, p + n - keep, keep);
    c->tail_len = keep;
  } else {
    size_t total = c->tail_len + n, drop = total > keep ? total - keep : 0;
    memmove(joined, joined + drop, total - drop);
    memcpy(c->tail, joined, total - drop);
    c->tail_len = total - drop;
  }
  return 0;
}

/* Drive one connection as far as it goes without blocking. */
static void drive(struct conn *c) {
  for (;;) {
    switch (c->st) {
    case S_IDLE:
    case S_DONE:
      return;
    case S_CONNECTING: {
      int err = 0;
      socklen_t l = sizeof err;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
      if (err == EINPROGRESS || err == EALREADY) return;
      if (err) {
        errno = err;
        fail(c, "connect");
        close_conn(c);
        return;
      }
      if (!c->started) c->started = now_s();
      if (use_tls) {
        c->ssl = SSL_new(ctx);
        SSL_set_fd(c->ssl, c->fd);
        SSL_set_connect_state(c->ssl);
        c->st = S_HANDSHAKE;
      } else {
        c->st = S_WRITE;
        c->wpos = 0;
      }
      break;
    }
    case S_HANDSHAKE: {
      int r = SSL_do_handshake(c->ssl);
      if (r == 1) {
        if (SSL_session_reused(c->ssl)) resumed++;
        c->st = S_WRITE;
        c->wpos = 0;
        break;
      }
      int e = SSL_get_error(c->ssl, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
      fail(c, "handshake");
      close_conn(c);
      return;
    }
    case S_WRITE: {
      size_t total = req_head_len + (mode == M_UPGRADE ? 0 : body_len);
      while (c->wpos < total) {
        const void *p = c->wpos < req_head_len ? (const void *)(req_head + c->wpos) : (const void *)(body + (c->wpos - req_head_len));
        size_t n = c->wpos < req_head_len ? req_head_len - c->wpos : total - c->wpos;
        ssize_t w = io_write(c, p, n);
        if (w == -1) return;
        if (w < 0) {
          fail(c, "write");
          close_conn(c);
          return;
        }
        c->wpos += (size_t)w;
        bytes_sent += (unsigned long long)w;
      }
      c->st = S_HEAD;
      c->blen = 0;
      break;
    }
    case S_HEAD: {
      ssize_t r = io_read(c, c->buf + c->blen, sizeof c->buf - c->blen);
      if (r == -1) return;
      if (r <= 0) {
        fail(c, r == 0 ? "eof before response head" : "read head");
        close_conn(c);
        return;
      }
      c->blen += (size_t)r;
      long hl = parse_head(c);
      if (hl == 0) break;
      if (hl < 0) {
        fail(c, head_error);
        close_conn(c);
        return;
      }
      size_t rest = c->blen - (size_t)hl;
      memmove(c->buf, c->buf + hl, rest);
      c->blen = rest;
      if (mode == M_UPGRADE && c->status == 101) {
        c->st = S_TUNNEL;
        c->in_pos = 0;
        demux(c, (unsigned char *)c->buf, c->blen);
        c->blen = 0;
        break;
      }
      if (mode == M_HOLD) {
        finished(c);
        if (c->status != 200) {
          fail(c, "hold: status not 200");
        } else if (c->framing == F_LENGTH || c->framing == F_NONE) {
          /* A complete answer (Content-Length, or no body) is not a stream. */
          fail(c, "hold: a complete response, not a stream");
        } else {
          established++;
          c->st = S_HELD;
          if (!c->got_data && stream_data(c, c->buf, c->blen)) {
            c->got_data = 1;
            streamed++;
          }
          c->blen = 0;
          break;
        }
        close_conn(c);
        return;
      }
      c->st = S_BODY;
      int done;
      size_t used = consume_body(c, (unsigned char *)c->buf, c->blen, &done);
      memmove(c->buf, c->buf + used, c->blen - used);
      c->blen -= used;
      if (done) body_ended(c);
      break;
    }
    case S_BODY: {
      ssize_t r = io_read(c, c->buf + c->blen, sizeof c->buf - c->blen);
      if (r == -1) return;
      if (r == 0 && c->framing == F_EOF) {
        finished(c);
        close_conn(c);
        return;
      }
      if (r <= 0) {
        fail(c, "read body");
        close_conn(c);
        return;
      }
      c->blen += (size_t)r;
      int done;
      size_t used = consume_body(c, (unsigned char *)c->buf, c->blen, &done);
      memmove(c->buf, c->buf + used, c->blen - used);
      c->blen -= used;
      if (done) body_ended(c);
      break;
    }
    case S_HELD: {
      ssize_t r = io_read(c, c->buf, sizeof c->buf);
      if (r == -1) return;
      if (r <= 0) {
        if (!stopping) fail(c, "held stream ended early");
        close_conn(c);
        return;
      }
      if (!c->got_data && stream_data(c, c->buf, (size_t)r)) {
        c->got_data = 1;
        streamed++;
      }
      break;
    }
    case S_TUNNEL: {
      int progressed = 0;
      if (c->in_pos < body_len) {
        ssize_t w = io_write(c, body + c->in_pos, body_len - c->in_pos);
        if (w > 0) {
          c->in_pos += (size_t)w;
          bytes_sent += (unsigned long long)w;
          progressed = 1;
        } else if (w < -1) {
          fail(c, "tunnel write");
          close_conn(c);
          return;
        }
      }
      ssize_t r = io_read(c, c->buf, sizeof c->buf);
      if (r > 0) {
        demux(c, (unsigned char *)c->buf, (size_t)r);
        progressed = 1;
      } else if (r == 0 || r < -1) {
        if (c->in_pos < body_len) fail(c, "tunnel closed before stdin was written");
        finished(c);
        close_conn(c);
        stopping = 1;
        return;
      }
      if (!progressed) return;
      break;
    }
    }
  }
}

/* An epoll event: a connection to drive or one being drained. */
static void dispatch(void *ptr) {
  if (*(enum kind *)ptr == K_DRAIN) drain_read(ptr);
  else drive(ptr);
}

/* Append to the request head; exits with a message when it would not fit. */
static void head_append(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void head_append(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(req_head + req_head_len, sizeof req_head - req_head_len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof req_head - req_head_len) {
    fprintf(stderr, "loadgen: the request head (method %zu bytes, path %zu bytes) is longer than %zu bytes\n", strlen(method), strlen(path),
            sizeof req_head - 1);
    exit(2);
  }
  req_head_len += (size_t)n;
}

static void build_request(void) {
  req_head_len = 0;
  head_append("%s %s HTTP/1.1\r\nHost: docker\r\nUser-Agent: dockgate-bench\r\n", method, path);
  if (content_type) head_append("Content-Type: %s\r\n", content_type);
  if (mode == M_UPGRADE) {
    const char *exec_body = "{\"Detach\":false,\"Tty\":false}";
    head_append("Content-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: %zu\r\n\r\n%s", strlen(exec_body), exec_body);
  } else if (body_file || !strcmp(method, "POST") || !strcmp(method, "PUT")) {
    head_append("Content-Length: %zu\r\n\r\n", body_len);
  } else {
    head_append("\r\n");
  }
}

static void usage(void) {
  fprintf(stderr, "usage: loadgen --mode keepalive|newconn|hold|upgrade (--unix PATH | --port N [--host IP]) [--tls --ca F --cert F --key F]\n"
                  "  [--method M] [--path P] [--body-file F] [--content-type T] [-c N] [-d SECONDS] [-n REQUESTS] [--sha256] [--timeout S]\n"
                  "  [--warm] [--await-data] [--await-match STR] [--ids FILE] [--drain S]\n");
  exit(2);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (!strcmp(a, name) && v && (i++, 1))
    if (ARG("--mode")) mode = !strcmp(v, "newconn") ? M_NEWCONN : !strcmp(v, "hold") ? M_HOLD : !strcmp(v, "upgrade") ? M_UPGRADE : M_KEEPALIVE;
    else if (ARG("--unix")) unix_path = v;
    else if (ARG("--host")) host = v;
    else if (ARG("--port")) port = atoi(v);
    else if (!strcmp(a, "--tls")) use_tls = 1;
    else if (ARG("--ca")) ca = v;
    else if (ARG("--cert")) cert = v;
    else if (ARG("--key")) key = v;
    else if (ARG("--method")) method = v;
    else if (ARG("--path")) path = v;
    else if (ARG("--body-file")) body_file = v;
    else if (ARG("--content-type")) content_type = v;
    else if (ARG("-c")) concurrency = atoi(v);
    else if (ARG("-d")) duration = atof(v);
    else if (ARG("-n")) max_requests = atol(v);
    else if (ARG("--timeout")) timeout_s = atof(v);
    else if (!strcmp(a, "--sha256")) hash_body = 1;
    else if (!strcmp(a, "--warm")) warm = 1;
    else if (!strcmp(a, "--await-data")) await_data = 1;
    else if (ARG("--await-match")) await_match = v;
    else if (ARG("--drain")) drain_s = atof(v);
    else if (ARG("--ids")) {
      ids_out = fopen(v, "w");
      if (!ids_out) {
        perror(v);
        return 2;
      }
    }
    else usage();
  }
  if ((!unix_path && !port) || concurrency < 1) usage();
  if (await_match) {
    match_len = strlen(await_match);
    if (!match_len || match_len > MATCH_MAX) usage();
  }
  /* A write to a connection the target reset is an error to count, not the end of the run. */
  signal(SIGPIPE, SIG_IGN);
  if (body_file) {
    int fd = open(body_file, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
      perror(body_file);
      return 2;
    }
    body_len = (size_t)st.st_size;
    body = body_len ? mmap(NULL, body_len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0) : (unsigned char *)"";
    close(fd);
  }
  if (use_tls) {
    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* Every new connection is a full handshake, as each docker CLI invocation does. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (ca && SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) goto tls_fail;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (cert && SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) goto tls_fail;
    if (key && SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) goto tls_fail;
  }
  if (hash_body) {
    sha = EVP_MD_CTX_new();
    EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
  }
  build_request();
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (mode == M_UPGRADE) concurrency = 1;
  conns = calloc((size_t)concurrency, sizeof *conns);
  double t0 = now_s();
  deadline = t0 + duration;
  double hard = t0 + (mode == M_UPGRADE || max_requests > 0 ? timeout_s : duration + timeout_s);
  if (mode == M_HOLD) deadline = hard;
  warming = warm && mode == M_KEEPALIVE;
  if (!warming && mode != M_HOLD) {
    fputs("ready\n", stderr);
    fflush(stderr);
  }
  for (int i = 0; i < concurrency; i++) {
    conns[i].fd = -1;
    if (open_conn(&conns[i]) < 0) fail(&conns[i], "socket");
  }
  struct epoll_event evs[256];
  for (;;) {
    double t = now_s();
    if (t >= hard) {
      fail(NULL, "timeout");
      break;
    }
    if (warming) {
      /* Every connection has answered a request (or failed): time from here. Requests still in
         flight were started while warming and are not timed either. */
      int busy = 0;
      for (int i = 0; i < concurrency; i++)
        if (!conns[i].warm_done && conns[i].st != S_IDLE) busy = 1;
      if (!busy) {
        warming = 0;
        t0 = t;
        deadline = t0 + duration;
        hard = t0 + (max_requests > 0 ? timeout_s : duration + timeout_s);
        fputs("ready\n", stderr);
        fflush(stderr);
      }
    }
    if (mode == M_HOLD) {
      /* Hold for the duration once every stream is established (handshakes may be slow), and
         with --await-data until every held stream has received data, at most AWAIT_S longer
         (the streams without are then reported by `streamed`). */
      static double all_in;
      if (!all_in && established + errors >= concurrency) {
        all_in = t;
        fputs("ready\n", stderr);
        fflush(stderr);
      }
      int waiting = 0;
      if (await_data)
        for (int i = 0; i < concurrency; i++)
          if (conns[i].st == S_HELD && !conns[i].got_data) waiting = 1;
      if (all_in && t >= all_in + duration && (!waiting || t >= all_in + duration + AWAIT_S)) break;
    }
    int active = 0, ready = 0;
    int want = !warming && !stopping && t < deadline && (mode == M_NEWCONN || mode == M_KEEPALIVE) && (max_requests < 0 || completed < max_requests);
    for (int i = 0; i < concurrency; i++) {
      struct conn *c = &conns[i];
      if (c->st == S_IDLE && want) {
        c->started = 0;
        if (open_conn(c) < 0) {
          fail(c, "socket");
          continue;
        }
        c->started = now_s();
        drive(c);
        /* A fast answer can complete inside drive(): open again without waiting for epoll. */
        if (c->st == S_IDLE) ready = 1;
      }
      if (c->st != S_IDLE) active++;
    }
    if (!active && !ready) break;
    drain_expire(t, 0);
    int wait_ms = 100;
    if (drain_count) {
      double left = drains[drain_head].until - t;
      wait_ms = left <= 0 ? 0 : left < 0.1 ? (int)(left * 1000) + 1 : 100;
    }
    int n = epoll_wait(ep, evs, 256, ready ? 0 : wait_ms);
    for (int i = 0; i < n; i++) dispatch(evs[i].data.ptr);
    /* Connections that finished their request inside drive() and are idle get reopened above. */
  }
  double elapsed = now_s() - t0;
  /* The last answers' connections drain to their end (outside the elapsed time). */
  while (drain_count && now_s() < hard) {
    double left = drains[drain_head].until - now_s();
    int n = epoll_wait(ep, evs, 256, left <= 0 ? 0 : (int)(left * 1000) + 1);
    for (int i = 0; i < n; i++) dispatch(evs[i].data.ptr);
    drain_expire(now_s(), 0);
  }
  drain_expire(0, 1);
  if (mode == M_HOLD) stopping = 1;
  for (int i = 0; i < concurrency; i++)
    if (conns[i].st != S_IDLE) close_conn(&conns[i]);

  char digest[65] = "";
  if (hash_body) {
    unsigned char md[32];
    unsigned int l = 0;
    EVP_DigestFinal_ex(sha, md, &l);
    for (unsigned i = 0; i < l; i++) sprintf(digest + 2 * i, "%02x", md[i]);
  }
  printf("{\"mode\":\"%s\",\"concurrency\":%d,\"elapsed\":%.4f,\"completed\":%ld,\"warmed\":%ld,\"errors\":%ld,\"established\":%ld,"
         "\"streamed\":%ld,\"connections\":%ld,\"resumed\":%ld,\"undrained\":%ld,"
         "\"rps\":%.1f,\"p50_us\":%llu,\"p90_us\":%llu,\"p99_us\":%llu,\"max_us\":%llu,\"body_bytes\":%llu,\"body_min\":%lld,\"body_max\":%lld,"
         "\"bytes_sent\":%llu,\"sha256\":\"%s\",\"first_error\":\"%s\",\"status\":{",
         mode == M_NEWCONN ? "newconn" : mode == M_HOLD ? "hold" : mode == M_UPGRADE ? "upgrade" : "keepalive", concurrency, elapsed, completed,
         warmed, errors, established, streamed, connections, resumed, undrained, (double)completed / elapsed, percentile(0.5), percentile(0.9),
         percentile(0.99), percentile(1.0), body_bytes, body_min, body_max, bytes_sent, digest, first_error);
  int first = 1;
  for (int s = 0; s < 600; s++)
    if (status_counts[s]) {
      printf("%s\"%d\":%ld", first ? "" : ",", s, status_counts[s]);
      first = 0;
    }
  if (status_other) printf("%s\"other\":%ld", first ? "" : ",", status_other);
  printf("}}\n");
  if (ids_out && fclose(ids_out) != 0) {
    perror("--ids");
    return 2;
  }
  return 0;
tls_fail:
  ERR_print_errors_fp(stderr);
  return 2;
}
