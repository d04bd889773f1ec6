/*
 * Linux TUN device: open/attach (TUNSETIFF), name lookup for inherited fds
 * (TUNGETIFF), non-blocking writes, close. Layout facts: protocol-checklist
 * §12 (IFF_TUN|IFF_NO_PI, optional IFF_VNET_HDR for later offloads).
 */
#define _GNU_SOURCE
#include "tswg.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

/* openTun(name: string, vnetHdr: boolean) -> { fd, name } */
static napi_value open_tun(napi_env env, napi_callback_info info) {
  TSWG_ARGS(2);
  char name[IFNAMSIZ];
  int vnet;
  if (tswg_arg_str(env, argv[0], "name", name, sizeof name) ||
      tswg_arg_bool(env, argv[1], "vnetHdr", &vnet))
    return NULL;

  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return tswg_throw_errno(env, errno, "open", "cannot open /dev/net/tun");

  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  /* No packet-info prefix: every read/write is exactly one IP packet. */
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
  /* Empty name: the kernel picks tun%d; a name containing %d is a template. */
  if (name[0] != '\0') memcpy(ifr.ifr_name, name, strlen(name));
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int e = errno;
    close(fd);
    if (e == EBUSY)
      return tswg_throw_errno(env, e, "ioctl", "cannot create TUN interface \"%s\" (TUNSETIFF; "
                              "is another process attached to it?)", name);
    if (e == EINVAL)
      return tswg_throw_errno(env, e, "ioctl", "cannot create TUN interface \"%s\" (TUNSETIFF; "
                              "bad name, or a non-TUN interface already uses it)", name);
    return tswg_throw_errno(env, e, "ioctl", "cannot create TUN interface \"%s\" (TUNSETIFF)", name);
  }

  char got[IFNAMSIZ + 1];
  memcpy(got, ifr.ifr_name, IFNAMSIZ);
  got[IFNAMSIZ] = '\0';
  napi_value out;
  napi_create_object(env, &out);
  tswg_set(env, out, "fd", tswg_int(env, fd));
  tswg_set(env, out, "name", tswg_str(env, got));
  return out;
}

/* tunInfo(fd) -> { name, flags } for an inherited fd (WG_TUN_FD); also
 * makes the fd non-blocking, which the batched reader requires. */
static napi_value tun_info(napi_env env, napi_callback_info info) {
  TSWG_ARGS(1);
  int32_t fd;
  if (tswg_arg_i32(env, argv[0], "fd", &fd)) return NULL;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (ioctl(fd, TUNGETIFF, &ifr) < 0)
    return tswg_throw_errno(env, errno, "ioctl", "fd %d is not a TUN device (TUNGETIFF)", fd);
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
    return tswg_throw_errno(env, errno, "fcntl", "cannot make TUN fd %d non-blocking", fd);
  char got[IFNAMSIZ + 1];
  memcpy(got, ifr.ifr_name, IFNAMSIZ);
  got[IFNAMSIZ] = '\0';
  napi_value out;
  napi_create_object(env, &out);
  tswg_set(env, out, "name", tswg_str(env, got));
  tswg_set(env, out, "flags", tswg_int(env, (unsigned short)ifr.ifr_flags));
  return out;
}

/* One packet per write(2). Returns bytes written, or -errno: the data path
 * counts failures instead of throwing, and EAGAIN means "dropped", never "wait". */
static ssize_t write_one(int fd, const uint8_t *p, size_t n) {
  for (;;) {
    ssize_t w = write(fd, p, n);
    if (w >= 0) return w;
    if (errno != EINTR) return -errno;
  }
}

/* writeTun(fd, packet) -> bytes written or -errno */
static napi_value write_tun(napi_env env, napi_callback_info info) {
  TSWG_ARGS(2);
  int32_t fd;
  uint8_t *p;
  size_t n;
  if (tswg_arg_i32(env, argv[0], "fd", &fd) || tswg_arg_bytes(env, argv[1], "packet", &p, &n))
    return NULL;
  return tswg_int(env, (int32_t)write_one(fd, p, n));
}

/* writeTunMany(fd, packets: Uint8Array[], count) -> packets written before
 * the first failure (the caller counts the rest as dropped), or -errno when
 * the very first write fails. */
static napi_value write_tun_many(napi_env env, napi_callback_info info) {
  TSWG_ARGS(3);
  int32_t fd;
  uint32_t count, len;
  if (tswg_arg_i32(env, argv[0], "fd", &fd) || tswg_arg_u32(env, argv[2], "count", &count)) return NULL;
  bool is_array = false;
  napi_is_array(env, argv[1], &is_array);
  if (!is_array) return tswg_throw_arg(env, "packets must be an array");
  napi_get_array_length(env, argv[1], &len);
  if (count > len) count = len;
  for (uint32_t i = 0; i < count; i++) {
    napi_value el;
    uint8_t *p;
    size_t n;
    napi_get_element(env, argv[1], i, &el);
    if (tswg_arg_bytes(env, el, "packets[i]", &p, &n)) return NULL;
    ssize_t w = write_one(fd, p, n);
    if (w < 0) return tswg_int(env, i == 0 ? (int32_t)w : (int32_t)i);
  }
  return tswg_int(env, (int32_t)count);
}

/* setTunOffload(fd, flags): TUNSETOFFLOAD (TUN_F_CSUM | TUN_F_TSO4 | ...);
 * only meaningful on an IFF_VNET_HDR device. Throws on refusal. */
static napi_value set_tun_offload(napi_env env, napi_callback_info info) {
  TSWG_ARGS(2);
  int32_t fd;
  uint32_t flags;
  if (tswg_arg_i32(env, argv[0], "fd", &fd) || tswg_arg_u32(env, argv[1], "flags", &flags)) return NULL;
  if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)flags) < 0)
    return tswg_throw_errno(env, errno, "ioctl", "cannot set TUN offloads 0x%x (TUNSETOFFLOAD)", flags);
  return NULL;
}

#define VNET_HDR_LEN 10
#define MAX_PARTS 1024

/* writeTunVnet(fd, hdrs: Uint8Array, counts: Uint32Array, parts: Uint8Array[], first, n, partStart)
 * -> writes first..n-1 written, or -errno when write `first` fails. Write i is one
 * writev(2): the 10-byte virtio_net_hdr at hdrs[10*i], then counts[i] parts
 * (write `first` starts at parts[partStart]). Never blocks (EAGAIN = dropped). */
static napi_value write_tun_vnet(napi_env env, napi_callback_info info) {
  TSWG_ARGS(7);
  int32_t fd;
  uint32_t first, n, part, nparts;
  uint8_t *hdrs;
  size_t hlen;
  if (tswg_arg_i32(env, argv[0], "fd", &fd) || tswg_arg_bytes(env, argv[1], "hdrs", &hdrs, &hlen) ||
      tswg_arg_u32(env, argv[4], "first", &first) || tswg_arg_u32(env, argv[5], "n", &n) ||
      tswg_arg_u32(env, argv[6], "partStart", &part))
    return NULL;
  bool ok = false;
  napi_is_typedarray(env, argv[2], &ok);
  napi_typedarray_type type = napi_int8_array;
  size_t clen = 0;
  void *cdata = NULL;
  if (ok) napi_get_typedarray_info(env, argv[2], &type, &clen, &cdata, NULL, NULL);
  if (type != napi_uint32_array) return tswg_throw_arg(env, "counts must be a Uint32Array");
  const uint32_t *counts = cdata;
  napi_is_array(env, argv[3], &ok);
  if (!ok) return tswg_throw_arg(env, "parts must be an array");
  napi_get_array_length(env, argv[3], &nparts);
  if (n > clen || (size_t)n * VNET_HDR_LEN > hlen) return tswg_throw_arg(env, "n exceeds hdrs/counts");
  struct iovec iov[MAX_PARTS + 1];
  for (uint32_t i = first; i < n; i++) {
    uint32_t c = counts[i];
    if (c > MAX_PARTS || part + c > nparts) return tswg_throw_arg(env, "counts exceed parts");
    iov[0].iov_base = hdrs + (size_t)i * VNET_HDR_LEN;
    iov[0].iov_len = VNET_HDR_LEN;
    for (uint32_t k = 0; k < c; k++) {
      napi_value el;
      uint8_t *p;
      size_t plen;
      napi_get_element(env, argv[3], part + k, &el);
      if (tswg_arg_bytes(env, el, "parts[i]", &p, &plen)) return NULL;
      iov[1 + k].iov_base = p;
      iov[1 + k].iov_len = plen;
    }
    part += c;
    ssize_t w;
    do w = writev(fd, iov, (int)c + 1);
    while (w < 0 && errno == EINTR);
    if (w < 0) return tswg_int(env, i == first ? -errno : (int32_t)(i - first));
  }
  return tswg_int(env, (int32_t)(n - first));
}

/* closeFd(fd): stop any reader on it first (libuv must not poll a closed fd). */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  TSWG_ARGS(1);
  int32_t fd;
  if (tswg_arg_i32(env, argv[0], "fd", &fd)) return NULL;
  /* Linux closes the fd even when close() reports EINTR: never retry. */
  if (close(fd) < 0 && errno != EINTR) return tswg_throw_errno(env, errno, "close", "cannot close fd %d", fd);
  return NULL;
}

void tswg_init_tun(napi_env env, napi_value exports) {
  tswg_export(env, exports, "openTun", open_tun);
  tswg_export(env, exports, "tunInfo", tun_info);
  tswg_export(env, exports, "writeTun", write_tun);
  tswg_export(env, exports, "writeTunMany", write_tun_many);
  tswg_export(env, exports, "closeFd", close_fd);
  tswg_export(env, exports, "setTunOffload", set_tun_offload);
  tswg_export(env, exports, "writeTunVnet", write_tun_vnet);
}
