{
  "targets": [
    {
      "target_name": "tswg_native",
      "sources": [
        "native/addon.c",
        "native/common.c",
        "native/tun.c",
        "native/reader.c",
        "native/netdev.c",
        "native/linkwatch.c",
        "native/udp.c",
        "native/udp-send.c"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["OS!='linux'", { "sources!": ["native/tun.c", "native/reader.c", "native/netdev.c", "native/linkwatch.c", "native/udp.c", "native/udp-send.c"] }]
      ]
    }
  ]
}
