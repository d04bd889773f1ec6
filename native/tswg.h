/*
 * tswg native addon: shared declarations.
 * The addon does OS plumbing only (TUN ioctls, non-blocking batched reads,
 * SO_MARK, rtnetlink link events); every protocol decision stays in
 * TypeScript (docs/design.md "Native code"). Node-API version 8.
 */
#ifndef TSWG_H
#define TSWG_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>
#include <stddef.h>
#include <stdint.h>

/* Throws a JS Error with .code (errno name), .errno (positive errno value)
 * and .syscall; the message is "<context>: <strerror> (<NAME>)", plus a
 * hint when the error is a missing privilege. Returns NULL for convenience. */
napi_value tswg_throw_errno(napi_env env, int err, const char *syscall, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Throws a TypeError with code ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE. */
napi_value tswg_throw_arg(napi_env env, const char *msg);

/* Argument helpers: return 0 on success, -1 after throwing. */
int tswg_arg_i32(napi_env env, napi_value v, const char *what, int32_t *out);
int tswg_arg_u32(napi_env env, napi_value v, const char *what, uint32_t *out);
int tswg_arg_bool(napi_env env, napi_value v, const char *what, int *out);
/* Copies a string into buf (size bytes including NUL); fails if too long. */
int tswg_arg_str(napi_env env, napi_value v, const char *what, char *buf, size_t size);
/* Uint8Array / Buffer contents (no copy; valid during this call only). */
int tswg_arg_bytes(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len);
int tswg_arg_func(napi_env env, napi_value v, const char *what);

/* Small constructors used by several files. */
napi_value tswg_int(napi_env env, int32_t v);
napi_value tswg_uint(napi_env env, uint32_t v);
napi_value tswg_str(napi_env env, const char *s);
/* Fresh memory for one batch handed to JS, len bytes at *data (contents
 * undefined); NULL on failure. Small batches (a sparse flow: one packet per
 * wake-up) get a plain Uint8Array, large ones a Buffer: Node makes every
 * Buffer by re-parenting a Uint8Array onto Buffer.prototype, a visible cost
 * per wake-up in profiles of a ping, while a plain ArrayBuffer is zeroed
 * first, which only costs at bulk sizes. Both are Uint8Arrays to JS. */
napi_value tswg_new_batch(napi_env env, size_t len, void **data);
void tswg_set(napi_env env, napi_value obj, const char *key, napi_value v);

/* Calls fn(argv) as a top-level callback from a libuv callback, so
 * process.nextTick queues and promise microtasks run afterwards; a throwing
 * callback is routed to process 'uncaughtException'. */
void tswg_call_from_loop(napi_env env, napi_async_context ctx, napi_ref fn_ref,
                         size_t argc, napi_value *argv);

/* Handle boxes: a JS external wrapping a pointer that the native side can
 * revoke when the object it points to is freed (so a stale JS handle is a
 * clean error, never a use-after-free). */
typedef struct tswg_box tswg_box;
/* Every boxed native object starts with this header. */
typedef struct tswg_obj {
  tswg_box *box;
  uv_handle_t *uv; /* the libuv handle, for ref/unref */
} tswg_obj;
struct tswg_box {
  tswg_obj *ptr; /* NULL once the object is gone */
  const char *kind;
};
/* Wraps obj (whose header is set to the new box) in a JS external. */
napi_value tswg_box_new(napi_env env, tswg_obj *obj, const char *kind);
/* Native side: the object is being freed; a later use of the handle throws. */
void tswg_box_revoke(tswg_obj *obj);
/* Returns the live object of the given kind (NULL kind = any), or NULL after
 * throwing. With allow_closed, a revoked handle returns NULL without throwing. */
void *tswg_box_get(napi_env env, napi_value v, const char *kind, int allow_closed);

#define TSWG_ARGS(n)                                                         \
  size_t argc = (n);                                                         \
  napi_value argv[(n) > 0 ? (n) : 1];                                        \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok)       \
    return NULL;                                                             \
  if (argc < (n)) return tswg_throw_arg(env, "missing arguments");

/* Registration of each file's exports. */
void tswg_init_common(napi_env env, napi_value exports);
void tswg_init_tun(napi_env env, napi_value exports);
void tswg_init_reader(napi_env env, napi_value exports);
void tswg_init_netdev(napi_env env, napi_value exports);
void tswg_init_linkwatch(napi_env env, napi_value exports);
void tswg_init_udp(napi_env env, napi_value exports);
void tswg_init_udp_send(napi_env env, napi_value exports);

/* UDP plumbing shared by udp.c and udp-send.c. */
#include <sys/socket.h>
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
/* Kernel limit of segments per UDP GSO send (UDP_MAX_SEGMENTS) and GRO merge. */
#define GSO_MAX_SEGS 64
/* Keep a GSO send's payload under the 64 KiB IP datagram limit. */
#define GSO_MAX_BYTES 65000
/* Fills a sockaddr from family (4|6), raw address bytes and port; returns its length or 0. */
socklen_t tswg_make_addr(struct sockaddr_storage *ss, uint32_t family, const uint8_t *a, size_t alen, uint32_t port);
void tswg_export(napi_env env, napi_value exports, const char *name, napi_callback cb);

#endif
