/*
 * Link-state watcher: a NETLINK_ROUTE socket subscribed to RTMGRP_LINK,
 * driven by uv_poll. Reports RTM_NEWLINK / RTM_DELLINK so the daemon follows
 * link up/down and MTU changes and exits on `ip link del`, as wireguard-go
 * does (checklist §12 "Link up"). Parsing only; decisions live in JS.
 *
 * JS callback: cb(kind, ifindex, name, flags, mtu, errno) with kind
 *   0 = link new/changed, 1 = link deleted,
 *   2 = events were lost (ENOBUFS): re-read the state,
 *   3 = fatal socket error (errno set; the watcher has stopped).
 */
#define _GNU_SOURCE
#include "tswg.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WATCH_KIND "link-watch"
#define NL_BUF 32768

typedef struct watcher {
  tswg_obj hdr; /* must be first */
  uv_poll_t poll;
  napi_env env;
  napi_ref cb_ref;
  napi_async_context actx;
  int fd;
  int ifindex; /* 0 = every interface */
  int stopped;
  int teardown;
  uint8_t buf[NL_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
} watcher_t;

static void env_cleanup(void *arg);

static void on_closed(uv_handle_t *h) {
  watcher_t *w = h->data;
  if (!w->teardown) {
    napi_delete_reference(w->env, w->cb_ref);
    napi_async_destroy(w->env, w->actx);
  }
  close(w->fd);
  free(w);
}

static void watcher_stop(watcher_t *w) {
  if (w->stopped) return;
  w->stopped = 1;
  tswg_box_revoke(&w->hdr);
  if (!w->teardown) napi_remove_env_cleanup_hook(w->env, env_cleanup, w);
  uv_poll_stop(&w->poll);
  uv_close((uv_handle_t *)&w->poll, on_closed);
}

static void env_cleanup(void *arg) {
  watcher_t *w = arg;
  w->teardown = 1;
  watcher_stop(w);
}

static void emit(watcher_t *w, int kind, int ifindex, const char *name, unsigned flags, unsigned mtu, int err) {
  napi_value argv[6];
  argv[0] = tswg_int(w->env, kind);
  argv[1] = tswg_int(w->env, ifindex);
  argv[2] = tswg_str(w->env, name);
  argv[3] = tswg_uint(w->env, flags);
  argv[4] = tswg_uint(w->env, mtu);
  argv[5] = tswg_int(w->env, err);
  tswg_call_from_loop(w->env, w->actx, w->cb_ref, 6, argv);
}

static void handle_link(watcher_t *w, struct nlmsghdr *nh) {
  if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg))) return;
  struct ifinfomsg *ifi = NLMSG_DATA(nh);
  if (w->ifindex != 0 && ifi->ifi_index != w->ifindex) return;
  char name[IFNAMSIZ + 1] = "";
  unsigned mtu = 0;
  int len = (int)IFLA_PAYLOAD(nh);
  for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    size_t plen = RTA_PAYLOAD(a);
    if (a->rta_type == IFLA_IFNAME && plen > 0) {
      size_t n = plen < IFNAMSIZ ? plen : IFNAMSIZ;
      memcpy(name, RTA_DATA(a), n);
      name[n] = '\0';
    } else if (a->rta_type == IFLA_MTU && plen >= sizeof(uint32_t)) {
      memcpy(&mtu, RTA_DATA(a), sizeof(uint32_t));
    }
  }
  emit(w, nh->nlmsg_type == RTM_DELLINK ? 1 : 0, ifi->ifi_index, name, ifi->ifi_flags, mtu, 0);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  watcher_t *w = h->data;
  if (w->stopped) return;
  napi_handle_scope scope;
  napi_open_handle_scope(w->env, &scope);
  int fatal = status < 0 ? -status : 0;
  while (!fatal && !w->stopped) {
    struct sockaddr_nl from;
    socklen_t fromlen = sizeof from;
    ssize_t n = recvfrom(w->fd, w->buf, sizeof w->buf, 0, (struct sockaddr *)&from, &fromlen);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == ENOBUFS) { /* receive queue overran: events were lost */
        emit(w, 2, 0, "", 0, 0, ENOBUFS);
        continue;
      }
      fatal = errno;
      break;
    }
    if (from.nl_pid != 0) continue; /* only the kernel speaks for links */
    int len = (int)n;
    for (struct nlmsghdr *nh = (struct nlmsghdr *)w->buf; NLMSG_OK(nh, len) && !w->stopped;
         nh = NLMSG_NEXT(nh, len)) {
      if (nh->nlmsg_type == RTM_NEWLINK || nh->nlmsg_type == RTM_DELLINK) handle_link(w, nh);
    }
  }
  if (fatal && !w->stopped) {
    watcher_stop(w);
    emit(w, 3, 0, "", 0, 0, fatal);
  }
  napi_close_handle_scope(w->env, scope);
}

/* startLinkWatch(ifindex: number (0 = all), cb) -> handle */
static napi_value start_link_watch(napi_env env, napi_callback_info info) {
  TSWG_ARGS(2);
  int32_t ifindex;
  if (tswg_arg_i32(env, argv[0], "ifindex", &ifindex) || tswg_arg_func(env, argv[1], "callback")) return NULL;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return tswg_throw_errno(env, errno, "socket", "cannot open rtnetlink socket");
  struct sockaddr_nl sa;
  memset(&sa, 0, sizeof sa);
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = RTMGRP_LINK;
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int e = errno;
    close(fd);
    return tswg_throw_errno(env, e, "bind", "cannot subscribe to rtnetlink link events");
  }
  watcher_t *w = calloc(1, sizeof *w);
  if (w == NULL) {
    close(fd);
    return tswg_throw_errno(env, ENOMEM, "malloc", "cannot allocate link watcher");
  }
  w->env = env;
  w->fd = fd;
  w->ifindex = ifindex;
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc < 0) {
    close(fd);
    free(w);
    return tswg_throw_errno(env, -rc, "uv_poll_init", "cannot watch rtnetlink socket");
  }
  w->poll.data = w;
  w->hdr.uv = (uv_handle_t *)&w->poll;
  napi_value ext = tswg_box_new(env, &w->hdr, WATCH_KIND);
  if (ext == NULL) {
    w->stopped = 1;
    w->teardown = 1;
    uv_close((uv_handle_t *)&w->poll, on_closed);
    return NULL;
  }
  napi_create_reference(env, argv[1], 1, &w->cb_ref);
  napi_async_init(env, NULL, tswg_str(env, "tswg:link-watch"), &w->actx);
  napi_add_env_cleanup_hook(env, env_cleanup, w);
  rc = uv_poll_start(&w->poll, UV_READABLE, on_readable);
  if (rc < 0) {
    watcher_stop(w);
    return tswg_throw_errno(env, -rc, "uv_poll_start", "cannot poll rtnetlink socket");
  }
  return ext;
}

/* stopLinkWatch(handle): idempotent; closes the netlink socket. */
static napi_value stop_link_watch(napi_env env, napi_callback_info info) {
  TSWG_ARGS(1);
  watcher_t *w = tswg_box_get(env, argv[0], WATCH_KIND, 1);
  if (w != NULL) watcher_stop(w);
  return NULL;
}

void tswg_init_linkwatch(napi_env env, napi_value exports) {
  tswg_export(env, exports, "startLinkWatch", start_link_watch);
  tswg_export(env, exports, "stopLinkWatch", stop_link_watch);
}
