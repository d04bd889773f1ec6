/*
 * Module entry point of the tswg native addon (build/Release/tswg_native.node).
 * Each file registers its own exports; see src/io/native.ts for the typed
 * surface and the calling rules.
 */
#include "tswg.h"

static napi_value init(napi_env env, napi_value exports) {
  tswg_init_common(env, exports);
  tswg_init_tun(env, exports);
  tswg_init_reader(env, exports);
  tswg_init_netdev(env, exports);
  tswg_init_linkwatch(env, exports);
  tswg_init_udp(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
