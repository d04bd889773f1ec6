/*
 * Batched UDP sockets for the data path (protocol-checklist §12 "UDP":
 * wireguard-go batches with recvmmsg/sendmmsg). node:dgram makes one JS
 * call, one Buffer and one send request per datagram; here a uv_poll_t wakes
 * us when the non-blocking socket is readable, recvmmsg(2) drains up to
 * maxBatch datagrams, and JS gets ONE call per batch (same hand-off shape as
 * reader.c: packed copy in fresh memory, lengths in a reused Uint32Array,
 * plus the source addresses in a reused Uint8Array, ADDR_STRIDE bytes each:
 * [0] family 4|6, [2..4) port big-endian, [4..20) address bytes).
 * Sends go out with sendmmsg(2), many datagrams to one destination per call.
 * Plumbing only: no protocol logic (docs/design.md "Native code").
 */
#define _GNU_SOURCE
#include "tswg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UDP_READER_KIND "udp-reader"
#define ADDR_STRIDE 20
/* Each receive slot holds the largest UDP payload, so nothing is truncated. */
#define SLOT_SIZE 65536
#define CTRL_SIZE 64

typedef struct udp_reader {
  tswg_obj hdr; /* must be first */
  uv_poll_t poll;
  napi_env env;
  napi_ref cb_ref;
  napi_ref lengths_ref;
  napi_ref addrs_ref;
  napi_async_context actx;
  uint32_t *lengths;
  uint8_t *addrs;
  uint32_t max_batch;
  uint32_t capacity; /* entries in lengths/addrs (GRO splits one message into many) */
  uint8_t *arena; /* max_batch slots of SLOT_SIZE */
  uint8_t *ctrl;  /* max_batch control buffers of CTRL_SIZE (UDP_GRO segment size) */
  struct mmsghdr *msgs;
  struct iovec *iovs;
  struct sockaddr_storage *names;
  int fd;
  int stopped;
  int teardown;
} udp_reader_t;

static void udp_env_cleanup(void *arg);

static void udp_on_closed(uv_handle_t *h) {
  udp_reader_t *r = h->data;
  if (!r->teardown) {
    napi_delete_reference(r->env, r->cb_ref);
    napi_delete_reference(r->env, r->lengths_ref);
    napi_delete_reference(r->env, r->addrs_ref);
    napi_async_destroy(r->env, r->actx);
  }
  free(r->arena);
  free(r->ctrl);
  free(r->msgs);
  free(r->iovs);
  free(r->names);
  free(r);
}

static void udp_reader_stop(udp_reader_t *r) {
  if (r->stopped) return;
  r->stopped = 1;
  tswg_box_revoke(&r->hdr);
  if (!r->teardown) napi_remove_env_cleanup_hook(r->env, udp_env_cleanup, r);
  uv_poll_stop(&r->poll);
  uv_close((uv_handle_t *)&r->poll, udp_on_closed);
}

static void udp_env_cleanup(void *arg) {
  udp_reader_t *r = arg;
  r->teardown = 1;
  udp_reader_stop(r);
}

/* Writes one source address record; returns 0 for an unexpected family. */
static int put_addr(uint8_t *rec, const struct sockaddr_storage *ss) {
  memset(rec, 0, ADDR_STRIDE);
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
    rec[0] = 4;
    memcpy(rec + 2, &s->sin_port, 2);
    memcpy(rec + 4, &s->sin_addr, 4);
    return 1;
  }
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
    rec[0] = 6;
    memcpy(rec + 2, &s->sin6_port, 2);
    memcpy(rec + 4, &s->sin6_addr, 16);
    return 1;
  }
  return 0;
}

/* The UDP_GRO segment size of a received message, 0 if it carries none. */
static uint32_t gro_size(struct msghdr *m) {
  if (m->msg_controllen == 0) return 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int v;
      memcpy(&v, CMSG_DATA(c), sizeof v);
      return v > 0 ? (uint32_t)v : 0;
    }
  }
  return 0;
}

static void udp_on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  udp_reader_t *r = h->data;
  if (r->stopped) return;
  int code = 0;
  int got;
  for (;;) {
    for (uint32_t i = 0; i < r->max_batch; i++) {
      r->iovs[i].iov_base = r->arena + (size_t)i * SLOT_SIZE;
      r->iovs[i].iov_len = SLOT_SIZE;
      r->msgs[i].msg_hdr.msg_iov = &r->iovs[i];
      r->msgs[i].msg_hdr.msg_iovlen = 1;
      r->msgs[i].msg_hdr.msg_name = &r->names[i];
      r->msgs[i].msg_hdr.msg_namelen = sizeof r->names[i];
      r->msgs[i].msg_hdr.msg_control = r->ctrl + (size_t)i * CTRL_SIZE;
      r->msgs[i].msg_hdr.msg_controllen = CTRL_SIZE;
      r->msgs[i].msg_hdr.msg_flags = 0;
      r->msgs[i].msg_len = 0;
    }
    got = recvmmsg(r->fd, r->msgs, r->max_batch, MSG_DONTWAIT, NULL);
    if (got >= 0 || errno != EINTR) break;
  }
  if (got < 0) {
    got = 0;
    /* EAGAIN: spurious wakeup. ECONNREFUSED etc. are per-datagram ICMP
     * reports on an unconnected socket: ignore. EBADF/ENOTSOCK are fatal. */
    if (errno == EBADF || errno == ENOTSOCK) code = errno;
  }
  if (status < 0 && code == 0) code = -status;

  napi_handle_scope scope;
  napi_open_handle_scope(r->env, &scope);
  if (got > 0) {
    size_t total = 0;
    uint32_t count = 0;
    for (int i = 0; i < got; i++) total += r->msgs[i].msg_len;
    napi_value argv[3], buf;
    void *data;
    if ((buf = tswg_new_batch(r->env, total, &data)) != NULL) {
      size_t off = 0;
      for (int i = 0; i < got; i++) {
        uint8_t rec[ADDR_STRIDE];
        if (!put_addr(rec, &r->names[i])) continue;
        uint32_t n = r->msgs[i].msg_len;
        memcpy((uint8_t *)data + off, r->arena + (size_t)i * SLOT_SIZE, n);
        off += n;
        /* UDP_GRO: one message may hold several datagrams of gso bytes each
         * (the last may be shorter); hand them to JS one by one. */
        uint32_t gso = gro_size(&r->msgs[i].msg_hdr);
        if (gso == 0 || gso >= n) gso = n;
        for (uint32_t at = 0; at < n && count < r->capacity; at += gso) {
          memcpy(r->addrs + (size_t)count * ADDR_STRIDE, rec, ADDR_STRIDE);
          r->lengths[count++] = n - at < gso ? n - at : gso;
        }
        if (n == 0 && count < r->capacity) {
          memcpy(r->addrs + (size_t)count * ADDR_STRIDE, rec, ADDR_STRIDE);
          r->lengths[count++] = 0;
        }
      }
      argv[0] = tswg_int(r->env, 0);
      argv[1] = buf;
      argv[2] = tswg_uint(r->env, count);
      tswg_call_from_loop(r->env, r->actx, r->cb_ref, 3, argv);
    }
  }
  if (code != 0 && !r->stopped) {
    napi_value argv[3];
    argv[0] = tswg_int(r->env, code);
    napi_get_undefined(r->env, &argv[1]);
    argv[2] = tswg_uint(r->env, 0);
    udp_reader_stop(r);
    tswg_call_from_loop(r->env, r->actx, r->cb_ref, 3, argv);
  }
  napi_close_handle_scope(r->env, scope);
}

static int typed(napi_env env, napi_value v, napi_typedarray_type want, size_t min_len, void **data) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) return -1;
  napi_typedarray_type type;
  size_t len;
  napi_get_typedarray_info(env, v, &type, &len, data, NULL, NULL);
  return type == want && len >= min_len ? 0 : -1;
}

/* startUdpReader(fd, maxBatch, lengths: Uint32Array, addrs: Uint8Array, cb) -> handle.
 * lengths/addrs hold maxBatch * 64 entries: with UDP_GRO on the socket one
 * message may carry up to 64 datagrams. */
static napi_value start_udp_reader(napi_env env, napi_callback_info info) {
  TSWG_ARGS(5);
  int32_t fd;
  uint32_t max_batch;
  if (tswg_arg_i32(env, argv[0], "fd", &fd) || tswg_arg_u32(env, argv[1], "maxBatch", &max_batch) ||
      tswg_arg_func(env, argv[4], "callback"))
    return NULL;
  if (max_batch < 1 || max_batch > 1024) return tswg_throw_arg(env, "maxBatch must be 1..1024");
  size_t capacity = (size_t)max_batch * GSO_MAX_SEGS;
  void *lengths = NULL, *addrs = NULL;
  if (typed(env, argv[2], napi_uint32_array, capacity, &lengths))
    return tswg_throw_arg(env, "lengths must be a Uint32Array with at least maxBatch * 64 elements");
  if (typed(env, argv[3], napi_uint8_array, capacity * ADDR_STRIDE, &addrs))
    return tswg_throw_arg(env, "addrs must be a Uint8Array of at least maxBatch * 64 * 20 bytes");

  udp_reader_t *r = calloc(1, sizeof *r);
  if (r == NULL) return tswg_throw_errno(env, ENOMEM, "malloc", "cannot allocate UDP reader");
  r->env = env;
  r->fd = fd;
  r->max_batch = max_batch;
  r->capacity = (uint32_t)capacity;
  r->lengths = lengths;
  r->addrs = addrs;
  r->arena = malloc((size_t)max_batch * SLOT_SIZE);
  r->ctrl = calloc(max_batch, CTRL_SIZE);
  r->msgs = calloc(max_batch, sizeof *r->msgs);
  r->iovs = calloc(max_batch, sizeof *r->iovs);
  r->names = calloc(max_batch, sizeof *r->names);
  if (!r->arena || !r->ctrl || !r->msgs || !r->iovs || !r->names) {
    free(r->arena);
    free(r->ctrl);
    free(r->msgs);
    free(r->iovs);
    free(r->names);
    free(r);
    return tswg_throw_errno(env, ENOMEM, "malloc", "cannot allocate UDP receive arena");
  }
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  int rc = uv_poll_init_socket(loop, &r->poll, fd);
  if (rc < 0) {
    free(r->arena);
    free(r->ctrl);
    free(r->msgs);
    free(r->iovs);
    free(r->names);
    free(r);
    return tswg_throw_errno(env, -rc, "uv_poll_init", "cannot watch socket %d", fd);
  }
  r->poll.data = r;
  r->hdr.uv = (uv_handle_t *)&r->poll;
  napi_value ext = tswg_box_new(env, &r->hdr, UDP_READER_KIND);
  if (ext == NULL) {
    r->stopped = 1;
    r->teardown = 1;
    uv_close((uv_handle_t *)&r->poll, udp_on_closed);
    return NULL;
  }
  napi_create_reference(env, argv[4], 1, &r->cb_ref);
  napi_create_reference(env, argv[2], 1, &r->lengths_ref);
  napi_create_reference(env, argv[3], 1, &r->addrs_ref);
  napi_async_init(env, NULL, tswg_str(env, "tswg:udp-reader"), &r->actx);
  napi_add_env_cleanup_hook(env, udp_env_cleanup, r);
  rc = uv_poll_start(&r->poll, UV_READABLE, udp_on_readable);
  if (rc < 0) {
    udp_reader_stop(r);
    return tswg_throw_errno(env, -rc, "uv_poll_start", "cannot poll socket %d", fd);
  }
  return ext;
}

static napi_value stop_udp_reader(napi_env env, napi_callback_info info) {
  TSWG_ARGS(1);
  udp_reader_t *r = tswg_box_get(env, argv[0], UDP_READER_KIND, 1);
  if (r != NULL) udp_reader_stop(r);
  return NULL;
}

/* udpSocket(family 4|6, address: Uint8Array(4|16), port) -> { fd, port }:
 * a non-blocking datagram socket (v6-only for family 6), bound without
 * SO_REUSEADDR so a taken port is EADDRINUSE like node:dgram's exclusive bind. */
static napi_value udp_socket(napi_env env, napi_callback_info info) {
  TSWG_ARGS(3);
  uint32_t family, port;
  uint8_t *a;
  size_t alen;
  if (tswg_arg_u32(env, argv[0], "family", &family) || tswg_arg_bytes(env, argv[1], "address", &a, &alen) ||
      tswg_arg_u32(env, argv[2], "port", &port))
    return NULL;
  struct sockaddr_storage ss;
  socklen_t sl = port <= 65535 ? tswg_make_addr(&ss, family, a, alen, port) : 0;
  if (sl == 0) return tswg_throw_arg(env, "bad family/address/port");
  int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return tswg_throw_errno(env, errno, "socket", "cannot create a UDP socket");
  if (family == 6) {
    int one = 1;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) {
      int e = errno;
      close(fd);
      return tswg_throw_errno(env, e, "setsockopt", "cannot make the UDP socket IPv6-only");
    }
  }
  if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
    int e = errno;
    close(fd);
    return tswg_throw_errno(env, e, "bind", "cannot bind UDP port %u", port);
  }
  struct sockaddr_storage got;
  socklen_t gl = sizeof got;
  getsockname(fd, (struct sockaddr *)&got, &gl);
  uint16_t actual = got.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&got)->sin_port)
                                             : ntohs(((struct sockaddr_in6 *)&got)->sin6_port);
  napi_value out;
  napi_create_object(env, &out);
  tswg_set(env, out, "fd", tswg_int(env, fd));
  tswg_set(env, out, "port", tswg_uint(env, actual));
  return out;
}

void tswg_init_udp(napi_env env, napi_value exports) {
  tswg_export(env, exports, "udpSocket", udp_socket);
  tswg_export(env, exports, "startUdpReader", start_udp_reader);
  tswg_export(env, exports, "stopUdpReader", stop_udp_reader);
  tswg_init_udp_send(env, exports);
}
