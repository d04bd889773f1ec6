/*
 * Error, argument and callback helpers shared by the addon's files.
 * Errors thrown to JS always carry errno, its name and the failing syscall,
 * so the TypeScript side can print one clear sentence and map codes.
 */
#define _GNU_SOURCE
#include "tswg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

napi_value tswg_throw_errno(napi_env env, int err, const char *syscall, const char *fmt, ...) {
  char ctx[256];
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx, sizeof ctx, fmt, ap);
  va_end(ap);
  const char *name = strerrorname_np(err);
  if (name == NULL) name = "EUNKNOWN";
  /* Every privileged call here needs CAP_NET_ADMIN (TUNSETIFF, SIOCSIFMTU, SO_MARK). */
  const char *hint = (err == EPERM || err == EACCES) ? " \xe2\x80\x94 tswg needs root or CAP_NET_ADMIN" : "";
  snprintf(msg, sizeof msg, "%s: %s (%s)%s", ctx, strerror(err), name, hint);

  napi_value code, message, error;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  tswg_set(env, error, "errno", tswg_int(env, err));
  tswg_set(env, error, "syscall", tswg_str(env, syscall));
  napi_throw(env, error);
  return NULL;
}

napi_value tswg_throw_arg(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", msg);
  return NULL;
}

static int arg_fail(napi_env env, const char *what, const char *expected) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s must be %s", what, expected);
  tswg_throw_arg(env, msg);
  return -1;
}

int tswg_arg_i32(napi_env env, napi_value v, const char *what, int32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return arg_fail(env, what, "a number");
  double d;
  napi_get_value_double(env, v, &d);
  if (d != (double)(int32_t)d) return arg_fail(env, what, "a 32-bit integer");
  *out = (int32_t)d;
  return 0;
}

int tswg_arg_u32(napi_env env, napi_value v, const char *what, uint32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return arg_fail(env, what, "a number");
  double d;
  napi_get_value_double(env, v, &d);
  if (!(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d)
    return arg_fail(env, what, "an unsigned 32-bit integer");
  *out = (uint32_t)d;
  return 0;
}

int tswg_arg_bool(napi_env env, napi_value v, const char *what, int *out) {
  bool b;
  if (napi_get_value_bool(env, v, &b) != napi_ok) return arg_fail(env, what, "a boolean");
  *out = b ? 1 : 0;
  return 0;
}

int tswg_arg_str(napi_env env, napi_value v, const char *what, char *buf, size_t size) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return arg_fail(env, what, "a string");
  if (len + 1 > size) {
    char expected[64];
    snprintf(expected, sizeof expected, "at most %zu bytes long", size - 1);
    return arg_fail(env, what, expected);
  }
  napi_get_value_string_utf8(env, v, buf, size, &len);
  return 0;
}

int tswg_arg_bytes(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) return arg_fail(env, what, "a Uint8Array or Buffer");
  napi_typedarray_type type;
  void *p;
  size_t n;
  napi_get_typedarray_info(env, v, &type, &n, &p, NULL, NULL);
  if (type != napi_uint8_array) return arg_fail(env, what, "a Uint8Array or Buffer");
  *data = (uint8_t *)p;
  *len = n;
  return 0;
}

int tswg_arg_func(napi_env env, napi_value v, const char *what) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_function) return arg_fail(env, what, "a function");
  return 0;
}

napi_value tswg_int(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

napi_value tswg_uint(napi_env env, uint32_t v) {
  napi_value r;
  napi_create_uint32(env, v, &r);
  return r;
}

/* Up to this size the zero-fill of a plain ArrayBuffer is cheaper than a Buffer's re-parenting. */
#define SMALL_BATCH_BYTES 16384

napi_value tswg_new_batch(napi_env env, size_t len, void **data) {
  napi_value out;
  if (len <= SMALL_BATCH_BYTES) {
    napi_value ab;
    if (napi_create_arraybuffer(env, len, data, &ab) != napi_ok) return NULL;
    if (napi_create_typedarray(env, napi_uint8_array, len, ab, 0, &out) != napi_ok) return NULL;
    return out;
  }
  if (napi_create_buffer(env, len, data, &out) != napi_ok) return NULL;
  return out;
}

napi_value tswg_str(napi_env env, const char *s) {
  napi_value r;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
  return r;
}

void tswg_set(napi_env env, napi_value obj, const char *key, napi_value v) {
  napi_set_named_property(env, obj, key, v);
}

void tswg_call_from_loop(napi_env env, napi_async_context ctx, napi_ref fn_ref,
                         size_t argc, napi_value *argv) {
  napi_value fn, recv;
  if (napi_get_reference_value(env, fn_ref, &fn) != napi_ok || fn == NULL) return;
  napi_get_global(env, &recv);
  /* napi_make_callback (not napi_call_function) so nextTick/microtasks drain. */
  napi_status st = napi_make_callback(env, ctx, recv, fn, argc, argv, NULL);
  if (st == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
}

static void box_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  tswg_box *box = data;
  if (box->ptr != NULL) box->ptr->box = NULL; /* object lives on without a JS handle */
  free(box);
}

napi_value tswg_box_new(napi_env env, tswg_obj *obj, const char *kind) {
  tswg_box *box = calloc(1, sizeof *box);
  if (box == NULL) return tswg_throw_errno(env, ENOMEM, "malloc", "cannot allocate handle");
  box->ptr = obj;
  box->kind = kind;
  napi_value ext;
  if (napi_create_external(env, box, box_finalize, NULL, &ext) != napi_ok) {
    free(box);
    return NULL;
  }
  obj->box = box;
  return ext;
}

void tswg_box_revoke(tswg_obj *obj) {
  if (obj->box != NULL) obj->box->ptr = NULL;
  obj->box = NULL;
}

void *tswg_box_get(napi_env env, napi_value v, const char *kind, int allow_closed) {
  napi_valuetype t;
  void *data = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
      napi_get_value_external(env, v, &data) != napi_ok) {
    tswg_throw_arg(env, "handle must be a value returned by the addon");
    return NULL;
  }
  tswg_box *box = data;
  if (kind != NULL && strcmp(box->kind, kind) != 0) {
    tswg_throw_arg(env, "handle is of the wrong kind");
    return NULL;
  }
  if (box->ptr == NULL) {
    if (allow_closed) return NULL;
    napi_throw_error(env, "ERR_TSWG_HANDLE_CLOSED", "handle was already stopped");
    return NULL;
  }
  return box->ptr;
}

/* refHandle(handle, ref: boolean): whether the reader/watcher keeps the
 * event loop (and so the process) alive. */
static napi_value ref_handle(napi_env env, napi_callback_info info) {
  TSWG_ARGS(2);
  int ref;
  if (tswg_arg_bool(env, argv[1], "ref", &ref)) return NULL;
  tswg_obj *obj = tswg_box_get(env, argv[0], NULL, 0);
  if (obj == NULL) return NULL;
  if (ref) uv_ref(obj->uv);
  else uv_unref(obj->uv);
  return NULL;
}

/* errnoString(errno) -> { name, message }: libuv knows only part of the
 * Linux errno table (EBADFD, the TUN-deleted code, is missing). */
static napi_value errno_string(napi_env env, napi_callback_info info) {
  TSWG_ARGS(1);
  int32_t e;
  if (tswg_arg_i32(env, argv[0], "errno", &e)) return NULL;
  const char *name = strerrorname_np(e);
  napi_value out;
  napi_create_object(env, &out);
  tswg_set(env, out, "name", tswg_str(env, name != NULL ? name : ""));
  tswg_set(env, out, "message", tswg_str(env, strerror(e)));
  return out;
}

void tswg_init_common(napi_env env, napi_value exports) {
  tswg_export(env, exports, "refHandle", ref_handle);
  tswg_export(env, exports, "errnoString", errno_string);
}

void tswg_export(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}
