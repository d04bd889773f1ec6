// Minimal reader for the classic pcap files `tcpdump -w` writes (pcap file
// format: 24-byte global header, 16-byte record headers, microsecond or
// nanosecond timestamps, either byte order). Two link types: Ethernet (1,
// a capture on a veth) and Linux cooked v2 (276, `tcpdump -i any -y
// LINUX_SLL2`: 20 bytes of protocol, interface index, ARPHRD type, packet
// type and address before the IP header). The replay flood takes UDP/IPv4
// payloads from it to resend verbatim; the latency-hops benchmark takes
// timestamped IPv4 packets. A file that is not such a capture throws;
// records it cannot use (other protocols, a record cut short) are skipped.

export interface UdpRecord {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  payload: Buffer;
}

/** One captured IPv4 packet: capture time (s), interface (cooked captures; 0 on Ethernet), the IP packet. */
export interface Ipv4Record {
  t: number;
  ifindex: number;
  /** Whether the record holds the whole packet (snaplen did not cut it). */
  complete: boolean;
  ip: Buffer;
}

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_LINUX_SLL2 = 276;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_VLAN = 0x8100;
const SLL2_HEADER = 20;

/** Every IPv4 packet of a capture, in file order. */
export function readPcapIpv4(file: Buffer): Ipv4Record[] {
  if (file.length < 24) throw new Error('pcap: file shorter than its header');
  const magic = file.readUInt32LE(0);
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
  else throw new Error('pcap: bad magic');
  const nanos = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (off: number): number => (le ? file.readUInt32LE(off) : file.readUInt32BE(off));
  const linktype = u32(20) & 0x0fffffff; // the top bits may carry FCS flags
  if (linktype !== LINKTYPE_ETHERNET && linktype !== LINKTYPE_LINUX_SLL2) {
    throw new Error(`pcap: link type ${linktype} is neither Ethernet nor LINUX_SLL2`);
  }
  const out: Ipv4Record[] = [];
  let off = 24;
  while (off + 16 <= file.length) {
    const t = u32(off) + u32(off + 4) / (nanos ? 1e9 : 1e6);
    const capLen = u32(off + 8);
    const origLen = u32(off + 12);
    const start = off + 16;
    off = start + capLen;
    if (off > file.length) break; // the last record was cut mid-write
    const frame = file.subarray(start, start + capLen);
    const rec = linktype === LINKTYPE_ETHERNET ? ethernetIpv4(frame) : cookedIpv4(frame);
    if (rec !== null) out.push({ t, ifindex: rec.ifindex, complete: capLen === origLen, ip: rec.ip });
  }
  return out;
}

function ethernetIpv4(f: Buffer): { ifindex: number; ip: Buffer } | null {
  let at = 12;
  if (f.length < 14) return null;
  let type = f.readUInt16BE(at);
  if (type === ETHERTYPE_VLAN) {
    at += 4;
    if (f.length < at + 2) return null;
    type = f.readUInt16BE(at);
  }
  at += 2;
  if (type !== ETHERTYPE_IPV4 || f.length < at + 20) return null;
  return { ifindex: 0, ip: f.subarray(at) };
}

function cookedIpv4(f: Buffer): { ifindex: number; ip: Buffer } | null {
  if (f.length < SLL2_HEADER + 20 || f.readUInt16BE(0) !== ETHERTYPE_IPV4) return null;
  return { ifindex: f.readUInt32BE(4), ip: f.subarray(SLL2_HEADER) };
}

export function ipv4Text(b: Buffer, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** The UDP/IPv4 datagrams of a capture that hold their whole payload (no fragments, no cut records). */
export function readPcapUdp(file: Buffer): UdpRecord[] {
  const out: UdpRecord[] = [];
  for (const { ip, complete } of readPcapIpv4(file)) {
    if (!complete) continue; // truncated: not resendable verbatim
    const rec = udpOf(ip);
    if (rec) out.push(rec);
  }
  return out;
}

function udpOf(ip: Buffer): UdpRecord | null {
  const ihl = (ip[0]! & 0x0f) * 4;
  const totalLen = ip.readUInt16BE(2);
  const fragment = ip.readUInt16BE(6) & 0x3fff; // MF flag or offset
  if (ip[9] !== 17 || fragment !== 0 || ihl < 20 || totalLen < ihl + 8 || ip.length < totalLen) return null;
  const udpLen = ip.readUInt16BE(ihl + 4);
  if (udpLen < 8 || ihl + udpLen > totalLen) return null;
  return {
    src: ipv4Text(ip, 12),
    dst: ipv4Text(ip, 16),
    srcPort: ip.readUInt16BE(ihl),
    dstPort: ip.readUInt16BE(ihl + 2),
    payload: Buffer.from(ip.subarray(ihl + 8, ihl + udpLen)),
  };
}
