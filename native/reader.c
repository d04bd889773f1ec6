/*
 * Readiness-driven batched TUN reader. A uv_poll_t on the Node event loop
 * wakes us when the non-blocking fd is readable; we read(2) until EAGAIN,
 * maxBatch packets, or the arena is full, then make ONE JS call per batch.
 * No threadpool thread parked in read(2), no busy polling (checklist §13).
 *
 * Batch hand-off (the cheapest safe shape we found): the packets are packed
 * back to back and copied once into fresh memory (tswg_new_batch: a
 * Uint8Array, a Buffer for large batches), and their lengths are
 * written into a caller-supplied Uint32Array that is reused for every batch.
 * JS gets cb(0, buffer, count): packet i starts at the sum of lengths[0..i).
 * The array is new per batch, so JS may keep views into it; the lengths
 * array is only valid during the callback. Fatal errors: cb(errno, undefined, 0)
 * once, after which the reader is stopped (errno -1 = end of file).
 */
#define _GNU_SOURCE
#include "tswg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READER_KIND "tun-reader"
/* Below this packet size the arena reserves per-packet room; larger packets
 * still fit, they just end a batch early. */
#define TYPICAL_PACKET 2048

typedef struct reader {
  tswg_obj hdr; /* must be first */
  uv_poll_t poll;
  napi_env env;
  napi_ref cb_ref;
  napi_ref lengths_ref;
  napi_async_context actx;
  uint32_t *lengths; /* backing store of the JS Uint32Array (pinned by lengths_ref) */
  uint32_t max_batch;
  uint32_t max_packet;
  size_t arena_size;
  uint8_t *arena;
  int fd;
  int stopped;
  int teardown; /* env is going away: free memory only, no N-API calls */
} reader_t;

static void env_cleanup(void *arg);

static void on_closed(uv_handle_t *h) {
  reader_t *r = h->data;
  if (!r->teardown) {
    napi_delete_reference(r->env, r->cb_ref);
    napi_delete_reference(r->env, r->lengths_ref);
    napi_async_destroy(r->env, r->actx);
  }
  free(r->arena);
  free(r);
}

static void reader_stop(reader_t *r) {
  if (r->stopped) return;
  r->stopped = 1;
  tswg_box_revoke(&r->hdr);
  if (!r->teardown) napi_remove_env_cleanup_hook(r->env, env_cleanup, r);
  /* uv_poll_stop removes the fd from epoll now, so the caller may close it
   * right after; the memory goes in on_closed, after any running callback. */
  uv_poll_stop(&r->poll);
  uv_close((uv_handle_t *)&r->poll, on_closed);
}

static void env_cleanup(void *arg) {
  reader_t *r = arg;
  r->teardown = 1;
  reader_stop(r);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  reader_t *r = h->data;
  if (r->stopped) return;
  uint32_t count = 0;
  size_t off = 0;
  int code = 0;
  while (count < r->max_batch && r->arena_size - off >= r->max_packet) {
    ssize_t n = read(r->fd, r->arena + off, r->max_packet);
    if (n > 0) {
      r->lengths[count++] = (uint32_t)n;
      off += (size_t)n;
    } else if (n == 0) {
      code = -1;
      break;
    } else if (errno == EINTR) {
      continue;
    } else {
      /* EAGAIN: drained. Anything else is fatal: EBADFD = TUN deleted. */
      if (errno != EAGAIN && errno != EWOULDBLOCK) code = errno;
      break;
    }
  }
  /* libuv reports POLLERR as UV_EBADF and has already stopped polling. */
  if (status < 0 && code == 0) code = -status;

  napi_handle_scope scope;
  napi_open_handle_scope(r->env, &scope);
  if (count > 0) {
    napi_value argv[3], buf;
    void *data;
    if ((buf = tswg_new_batch(r->env, off, &data)) != NULL) {
      memcpy(data, r->arena, off);
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
    /* Stop first so the callback sees a finished reader. The refs stay
     * valid until on_closed runs on a later loop turn. */
    reader_stop(r);
    tswg_call_from_loop(r->env, r->actx, r->cb_ref, 3, argv);
  }
  napi_close_handle_scope(r->env, scope);
}

/* startReader(fd, maxBatch, maxPacket, lengths: Uint32Array, cb) -> handle */
static napi_value start_reader(napi_env env, napi_callback_info info) {
  TSWG_ARGS(5);
  int32_t fd;
  uint32_t max_batch, max_packet;
  if (tswg_arg_i32(env, argv[0], "fd", &fd) || tswg_arg_u32(env, argv[1], "maxBatch", &max_batch) ||
      tswg_arg_u32(env, argv[2], "maxPacket", &max_packet) || tswg_arg_func(env, argv[4], "callback"))
    return NULL;
  if (max_batch < 1 || max_batch > 4096) return tswg_throw_arg(env, "maxBatch must be 1..4096");
  if (max_packet < 576 || max_packet > 65536 + 64) return tswg_throw_arg(env, "maxPacket must be 576..65600");
  bool is_ta = false;
  napi_is_typedarray(env, argv[3], &is_ta);
  napi_typedarray_type type = napi_int8_array;
  size_t len = 0;
  void *lengths = NULL;
  if (is_ta) napi_get_typedarray_info(env, argv[3], &type, &len, &lengths, NULL, NULL);
  if (type != napi_uint32_array || len < max_batch)
    return tswg_throw_arg(env, "lengths must be a Uint32Array with at least maxBatch elements");

  reader_t *r = calloc(1, sizeof *r);
  if (r == NULL) return tswg_throw_errno(env, ENOMEM, "malloc", "cannot allocate TUN reader");
  r->env = env;
  r->fd = fd;
  r->max_batch = max_batch;
  r->max_packet = max_packet;
  r->lengths = lengths;
  r->arena_size = (size_t)max_packet + (size_t)(max_batch - 1) * TYPICAL_PACKET;
  r->arena = malloc(r->arena_size);
  if (r->arena == NULL) {
    free(r);
    return tswg_throw_errno(env, ENOMEM, "malloc", "cannot allocate TUN read arena");
  }

  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  int rc = uv_poll_init(loop, &r->poll, fd);
  if (rc < 0) {
    free(r->arena);
    free(r);
    return tswg_throw_errno(env, -rc, "uv_poll_init", "cannot watch fd %d", fd);
  }
  r->poll.data = r;
  r->hdr.uv = (uv_handle_t *)&r->poll;
  napi_value ext = tswg_box_new(env, &r->hdr, READER_KIND);
  if (ext == NULL) {
    r->stopped = 1;
    r->teardown = 1; /* nothing to release on the N-API side yet */
    uv_close((uv_handle_t *)&r->poll, on_closed);
    return NULL;
  }
  napi_create_reference(env, argv[4], 1, &r->cb_ref);
  napi_create_reference(env, argv[3], 1, &r->lengths_ref);
  napi_async_init(env, NULL, tswg_str(env, "tswg:tun-reader"), &r->actx);
  napi_add_env_cleanup_hook(env, env_cleanup, r);
  rc = uv_poll_start(&r->poll, UV_READABLE, on_readable);
  if (rc < 0) {
    reader_stop(r);
    return tswg_throw_errno(env, -rc, "uv_poll_start", "cannot poll fd %d", fd);
  }
  return ext;
}

/* stopReader(handle): idempotent. */
static napi_value stop_reader(napi_env env, napi_callback_info info) {
  TSWG_ARGS(1);
  reader_t *r = tswg_box_get(env, argv[0], READER_KIND, 1);
  if (r != NULL) reader_stop(r);
  return NULL;
}

void tswg_init_reader(napi_env env, napi_value exports) {
  tswg_export(env, exports, "startReader", start_reader);
  tswg_export(env, exports, "stopReader", stop_reader);
}
