/*
 * Interface and socket ioctls/sockopts Node lacks: MTU (SIOCGIFMTU /
 * SIOCSIFMTU), flags (SIOCGIFFLAGS), ifindex, SO_MARK (the UAPI `fwmark`,
 * which wg-quick's policy routing depends on, checklist §10.5) and forced
 * socket buffer sizes (wireguard-go raises them to 7 MB, checklist §12).
 */
#define _GNU_SOURCE
#include "tswg.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/sockios.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Interface ioctls work on any AF_INET datagram socket. */
static int ifreq_ioctl(unsigned long req, struct ifreq *ifr) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -errno;
  int rc = ioctl(s, req, ifr);
  int e = errno;
  close(s);
  return rc < 0 ? -e : 0;
}

static int name_arg(napi_env env, napi_value v, struct ifreq *ifr) {
  memset(ifr, 0, sizeof *ifr);
  return tswg_arg_str(env, v, "name", ifr->ifr_name, IFNAMSIZ);
}

/* getMtu(name) -> number */
static napi_value get_mtu(napi_env env, napi_callback_info info) {
  TSWG_ARGS(1);
  struct ifreq ifr;
  if (name_arg(env, argv[0], &ifr)) return NULL;
  int rc = ifreq_ioctl(SIOCGIFMTU, &ifr);
  if (rc < 0) return tswg_throw_errno(env, -rc, "ioctl", "cannot read MTU of \"%s\" (SIOCGIFMTU)", ifr.ifr_name);
  return tswg_int(env, ifr.ifr_mtu);
}

/* setMtu(name, mtu) */
static napi_value set_mtu(napi_env env, napi_callback_info info) {
  TSWG_ARGS(2);
  struct ifreq ifr;
  int32_t mtu;
  if (name_arg(env, argv[0], &ifr) || tswg_arg_i32(env, argv[1], "mtu", &mtu)) return NULL;
  ifr.ifr_mtu = mtu;
  int rc = ifreq_ioctl(SIOCSIFMTU, &ifr);
  if (rc < 0)
    return tswg_throw_errno(env, -rc, "ioctl", "cannot set MTU of \"%s\" to %d (SIOCSIFMTU)", ifr.ifr_name, mtu);
  return NULL;
}

/* getFlags(name) -> IFF_* bits (IFF_UP 0x1, IFF_RUNNING 0x40) */
static napi_value get_flags(napi_env env, napi_callback_info info) {
  TSWG_ARGS(1);
  struct ifreq ifr;
  if (name_arg(env, argv[0], &ifr)) return NULL;
  int rc = ifreq_ioctl(SIOCGIFFLAGS, &ifr);
  if (rc < 0)
    return tswg_throw_errno(env, -rc, "ioctl", "cannot read flags of \"%s\" (SIOCGIFFLAGS)", ifr.ifr_name);
  return tswg_int(env, (unsigned short)ifr.ifr_flags);
}

/* ifIndex(name) -> number */
static napi_value if_index(napi_env env, napi_callback_info info) {
  TSWG_ARGS(1);
  struct ifreq ifr;
  if (name_arg(env, argv[0], &ifr)) return NULL;
  int rc = ifreq_ioctl(SIOCGIFINDEX, &ifr);
  if (rc < 0)
    return tswg_throw_errno(env, -rc, "ioctl", "no interface \"%s\" (SIOCGIFINDEX)", ifr.ifr_name);
  return tswg_int(env, ifr.ifr_ifindex);
}

/* setSockMark(fd, mark): 0 removes the mark. */
static napi_value set_sock_mark(napi_env env, napi_callback_info info) {
  TSWG_ARGS(2);
  int32_t fd;
  uint32_t mark;
  if (tswg_arg_i32(env, argv[0], "fd", &fd) || tswg_arg_u32(env, argv[1], "mark", &mark)) return NULL;
  if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0)
    return tswg_throw_errno(env, errno, "setsockopt", "cannot set fwmark %u on socket fd %d (SO_MARK)", mark, fd);
  return NULL;
}

/* getSockMark(fd) -> number */
static napi_value get_sock_mark(napi_env env, napi_callback_info info) {
  TSWG_ARGS(1);
  int32_t fd;
  if (tswg_arg_i32(env, argv[0], "fd", &fd)) return NULL;
  uint32_t mark = 0;
  socklen_t len = sizeof mark;
  if (getsockopt(fd, SOL_SOCKET, SO_MARK, &mark, &len) < 0)
    return tswg_throw_errno(env, errno, "getsockopt", "cannot read fwmark of socket fd %d (SO_MARK)", fd);
  return tswg_uint(env, mark);
}

static int force_buf(int fd, int force_opt, int opt, int bytes) {
  if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof bytes) < 0)
    (void)setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes); /* capped by rmem_max/wmem_max */
  int got = 0;
  socklen_t len = sizeof got;
  if (getsockopt(fd, SOL_SOCKET, opt, &got, &len) < 0) return -1;
  return got;
}

/* setSockBuffers(fd, bytes) -> { rcv, snd } as the kernel reports them
 * (the kernel doubles the request for bookkeeping). Best effort, never throws
 * for a privilege error: without CAP_NET_ADMIN the sysctl caps apply. */
static napi_value set_sock_buffers(napi_env env, napi_callback_info info) {
  TSWG_ARGS(2);
  int32_t fd, bytes;
  if (tswg_arg_i32(env, argv[0], "fd", &fd) || tswg_arg_i32(env, argv[1], "bytes", &bytes)) return NULL;
  napi_value out;
  napi_create_object(env, &out);
  tswg_set(env, out, "rcv", tswg_int(env, force_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, bytes)));
  tswg_set(env, out, "snd", tswg_int(env, force_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, bytes)));
  return out;
}

void tswg_init_netdev(napi_env env, napi_value exports) {
  tswg_export(env, exports, "getMtu", get_mtu);
  tswg_export(env, exports, "setMtu", set_mtu);
  tswg_export(env, exports, "getFlags", get_flags);
  tswg_export(env, exports, "ifIndex", if_index);
  tswg_export(env, exports, "setSockMark", set_sock_mark);
  tswg_export(env, exports, "getSockMark", get_sock_mark);
  tswg_export(env, exports, "setSockBuffers", set_sock_buffers);
}
