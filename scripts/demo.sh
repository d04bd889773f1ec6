#!/usr/bin/env bash
# tswg demo: a real tunnel between two network namespaces — tswg on one side,
# Debian's wireguard-go on the other — configured with wg(8), with a webhook
# receiver that prints the events tswg delivers: interface/peer create,
# connect at key confirmation, then disconnect + delete when the peer is
# removed, and interface delete when the link goes away.
# Needs root. Installs missing Debian packages and runs `npm ci` if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "run as root: sudo bash scripts/demo.sh" >&2; exit 1; fi

need=()
command -v wg >/dev/null || need+=(wireguard-tools)
command -v wireguard-go >/dev/null || need+=(wireguard-go)
command -v ip >/dev/null || need+=(iproute2)
command -v ping >/dev/null || need+=(iputils-ping)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ! -f build/Release/tswg_native.node ] || [ ! -f dist/src/cli/main.js ]; then
  echo "== npm ci"; npm ci --no-audit --no-fund >/dev/null
fi

P="tswgdemo$$"
A="${P}a"; B="${P}b"; IFA="tdemo${$}a"; IFB="tdemo${$}b"
IFA=${IFA:0:15}; IFB=${IFB:0:15}
TMP=$(mktemp -d)
umask 077
pids=()
cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  ip netns del "$A" 2>/dev/null; ip netns del "$B" 2>/dev/null
  rm -f "/var/run/wireguard/$IFA.sock" "/var/run/wireguard/$IFB.sock"
  rm -rf "$TMP"
}
trap cleanup EXIT

echo "== two namespaces joined by a veth pair (underlay 198.18.200.0/24)"
ip netns add "$A"; ip netns add "$B"
ip -n "$A" link set lo up; ip -n "$B" link set lo up
ip link add "${P}va" netns "$A" type veth peer name "${P}vb" netns "$B"
ip -n "$A" address add 198.18.200.1/24 dev "${P}va"; ip -n "$A" link set "${P}va" up
ip -n "$B" address add 198.18.200.2/24 dev "${P}vb"; ip -n "$B" link set "${P}vb" up

echo "== webhook receiver (inside $A, on its loopback)"
PORT=18080
ip netns exec "$A" node scripts/demo-receiver.mjs "$PORT" & pids+=($!)
cat >"$TMP/events.yaml" <<YAML
webhook:
  url: http://127.0.0.1:$PORT/hook
  secret: "Bearer demo-token"
disconnect_grace: 1s
YAML

wg genkey >"$TMP/a.key"; wg pubkey <"$TMP/a.key" >"$TMP/a.pub"
wg genkey >"$TMP/b.key"; wg pubkey <"$TMP/b.key" >"$TMP/b.pub"

echo "== tswg $IFA in $A, wireguard-go $IFB in $B"
ip netns exec "$A" env LOG_LEVEL=error node bin/tswg.js --config "$TMP/events.yaml" --state-dir "$TMP/state" "$IFA"
ip netns exec "$B" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 LOG_LEVEL=silent wireguard-go "$IFB" 2>/dev/null
sleep 0.5

ip netns exec "$A" wg set "$IFA" private-key "$TMP/a.key" listen-port 51820 \
  peer "$(cat "$TMP/b.pub")" allowed-ips 198.19.200.2/32,2001:db8:200::2/128 endpoint 198.18.200.2:51821
ip netns exec "$B" wg set "$IFB" private-key "$TMP/b.key" listen-port 51821 \
  peer "$(cat "$TMP/a.pub")" allowed-ips 198.19.200.1/32,2001:db8:200::1/128 endpoint 198.18.200.1:51820
ip -n "$A" address add 198.19.200.1/24 dev "$IFA"; ip -n "$A" address add 2001:db8:200::1/64 dev "$IFA" nodad
ip -n "$B" address add 198.19.200.2/24 dev "$IFB"; ip -n "$B" address add 2001:db8:200::2/64 dev "$IFB" nodad
ip -n "$A" link set "$IFA" up; ip -n "$B" link set "$IFB" up
sleep 0.5

echo "== ping through the tunnel (IPv4 and IPv6)"
ip netns exec "$A" ping -c 3 -i 0.2 -W 2 198.19.200.2 | sed 's/^/  /'
ip netns exec "$A" ping -c 2 -i 0.2 -W 2 2001:db8:200::2 | sed 's/^/  /'
sleep 0.5
echo "== wg show $IFA"
ip netns exec "$A" wg show "$IFA" | sed 's/^/  /'

echo "== removing the peer (wg set $IFA peer … remove)"
ip netns exec "$A" wg set "$IFA" peer "$(cat "$TMP/b.pub")" remove
sleep 2
echo "== deleting the interface (ip link del $IFA): the daemon exits"
ip -n "$A" link del "$IFA"
for _ in $(seq 50); do [ -e "/var/run/wireguard/$IFA.sock" ] || break; sleep 0.1; done
sleep 1
echo "== done"
