/*
 * Batched UDP sends (protocol-checklist §12 "UDP": sendmmsg, UDP GSO).
 * Runs of equal-sized datagrams to one destination (the last may be
 * shorter) leave as one GSO send (UDP_SEGMENT cmsg), the rest as plain
 * messages, all through sendmmsg(2).
 * Sends run on the calling (JS) thread: a sender thread fed with copied
 * batches was measured and did not pay (see git log). OS plumbing only: no
 * protocol logic (docs/design.md "Native code").
 */
#define _GNU_SOURCE
#include "tswg.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#define SEND_CHUNK 256
#define IOV_CAP 1024

socklen_t tswg_make_addr(struct sockaddr_storage *ss, uint32_t family, const uint8_t *a, size_t alen, uint32_t port) {
  memset(ss, 0, sizeof *ss);
  if (family == 4 && alen == 4) {
    struct sockaddr_in *s = (struct sockaddr_in *)ss;
    s->sin_family = AF_INET;
    s->sin_port = htons((uint16_t)port);
    memcpy(&s->sin_addr, a, 4);
    return sizeof *s;
  }
  if (family == 6 && alen == 16) {
    struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
    s->sin6_family = AF_INET6;
    s->sin6_port = htons((uint16_t)port);
    memcpy(&s->sin6_addr, a, 16);
    return sizeof *s;
  }
  return 0;
}

typedef union {
  char buf[CMSG_SPACE(sizeof(uint16_t))];
  struct cmsghdr align;
} seg_ctrl;

/* Sends dg[0..count) to one address; returns how many went, or -errno if the
 * first could not. Stops at the first refusal (the caller decides). */
static int send_batch(int fd, struct sockaddr_storage *ss, socklen_t sl, const struct iovec *dg, uint32_t count,
                      int gso) {
  struct mmsghdr msgs[SEND_CHUNK];
  uint32_t segs_of[SEND_CHUNK];
  seg_ctrl ctrl[SEND_CHUNK];
  uint32_t i = 0, sent = 0;
  while (i < count) {
    uint32_t nm = 0;
    while (i < count && nm < SEND_CHUNK) {
      size_t seg = dg[i].iov_len, bytes = seg;
      uint32_t segs = 1;
      if (gso && seg > 0) {
        while (i + segs < count && segs < GSO_MAX_SEGS) {
          size_t n = dg[i + segs].iov_len;
          if (n == 0 || n > seg || bytes + n > GSO_MAX_BYTES) break;
          bytes += n;
          segs++;
          if (n < seg) break; /* only the last segment may be short */
        }
      }
      struct msghdr *m = &msgs[nm].msg_hdr;
      memset(&msgs[nm], 0, sizeof msgs[nm]);
      m->msg_name = ss;
      m->msg_namelen = sl;
      m->msg_iov = (struct iovec *)&dg[i];
      m->msg_iovlen = segs;
      if (segs > 1) {
        m->msg_control = ctrl[nm].buf;
        m->msg_controllen = sizeof ctrl[nm].buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(m);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t v = (uint16_t)seg;
        memcpy(CMSG_DATA(c), &v, sizeof v);
      }
      segs_of[nm++] = segs;
      i += segs;
    }
    int r;
    do r = sendmmsg(fd, msgs, nm, MSG_DONTWAIT);
    while (r < 0 && errno == EINTR);
    if (r < 0) return sent == 0 ? -errno : (int)sent;
    for (int k = 0; k < r; k++) sent += segs_of[k];
    if ((uint32_t)r < nm) break;
    i = sent;
  }
  return (int)sent;
}

static int parse_dest(napi_env env, napi_value *argv, struct sockaddr_storage *ss, socklen_t *sl) {
  uint32_t family, port;
  uint8_t *a;
  size_t alen;
  if (tswg_arg_u32(env, argv[0], "family", &family) || tswg_arg_bytes(env, argv[1], "address", &a, &alen) ||
      tswg_arg_u32(env, argv[2], "port", &port))
    return -1;
  *sl = port <= 65535 ? tswg_make_addr(ss, family, a, alen, port) : 0;
  if (*sl == 0) {
    tswg_throw_arg(env, "bad family/address/port");
    return -1;
  }
  return 0;
}

/* Gathers datagrams[start, start+count) (capped at IOV_CAP) into dg; returns the count or -1 after throwing. */
static int gather(napi_env env, napi_value arr, uint32_t start, uint32_t count, struct iovec *dg) {
  bool is_array = false;
  uint32_t len;
  napi_is_array(env, arr, &is_array);
  if (!is_array) {
    tswg_throw_arg(env, "datagrams must be an array");
    return -1;
  }
  napi_get_array_length(env, arr, &len);
  if (start > len) start = len;
  if (count > len - start) count = len - start;
  if (count > IOV_CAP) count = IOV_CAP;
  for (uint32_t i = 0; i < count; i++) {
    napi_value el;
    uint8_t *p;
    size_t n;
    napi_get_element(env, arr, start + i, &el);
    if (tswg_arg_bytes(env, el, "datagrams[i]", &p, &n)) return -1;
    dg[i].iov_base = p;
    dg[i].iov_len = n;
  }
  return (int)count;
}

/* udpSendMany(fd, datagrams, start, count, family, address, port, gso) -> sent (≤ 1024 per
 * call) or -errno when the first failed. -EIO with gso: the device cannot; retry without. */
static napi_value udp_send_many(napi_env env, napi_callback_info info) {
  TSWG_ARGS(8);
  int32_t fd;
  uint32_t start, count;
  int gso;
  struct sockaddr_storage ss;
  socklen_t sl;
  if (tswg_arg_i32(env, argv[0], "fd", &fd) || tswg_arg_u32(env, argv[2], "start", &start) ||
      tswg_arg_u32(env, argv[3], "count", &count) || parse_dest(env, argv + 4, &ss, &sl) ||
      tswg_arg_bool(env, argv[7], "gso", &gso))
    return NULL;
  struct iovec dg[IOV_CAP];
  int n = gather(env, argv[1], start, count, dg);
  if (n < 0) return NULL;
  return tswg_int(env, send_batch(fd, &ss, sl, dg, (uint32_t)n, gso));
}

/* udpOffloads(fd, gro: boolean) -> { gso, gro }: whether the kernel accepts
 * UDP_SEGMENT on this socket (probed with a zero size, which is "off") and,
 * if asked, turns UDP_GRO on. Failures just report false. */
static napi_value udp_offloads(napi_env env, napi_callback_info info) {
  TSWG_ARGS(2);
  int32_t fd;
  int want_gro;
  if (tswg_arg_i32(env, argv[0], "fd", &fd) || tswg_arg_bool(env, argv[1], "gro", &want_gro)) return NULL;
  int zero = 0, one = 1;
  int gso_ok = setsockopt(fd, SOL_UDP, UDP_SEGMENT, &zero, sizeof zero) == 0;
  int gro_ok = want_gro && setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one) == 0;
  napi_value out, t, f;
  napi_create_object(env, &out);
  napi_get_boolean(env, true, &t);
  napi_get_boolean(env, false, &f);
  tswg_set(env, out, "gso", gso_ok ? t : f);
  tswg_set(env, out, "gro", gro_ok ? t : f);
  return out;
}

void tswg_init_udp_send(napi_env env, napi_value exports) {
  tswg_export(env, exports, "udpSendMany", udp_send_many);
  tswg_export(env, exports, "udpOffloads", udp_offloads);
}
