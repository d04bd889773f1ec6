// Minimal reader for the classic pcap files `tcpdump -w` writes (pcap file
// format: 24-byte global header, 16-byte record headers; link type 1 =
// Ethernet, as on a veth), extracting UDP/IPv4 payloads with their addresses
// so the replay flood can resend captured WireGuard datagrams verbatim.
// Anything it cannot parse (IPv6, fragments, truncated records) is skipped.

export interface UdpRecord {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  payload: Buffer;
}

const LINKTYPE_ETHERNET = 1;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_VLAN = 0x8100;

export function readPcapUdp(file: Buffer): UdpRecord[] {
  if (file.length < 24) throw new Error('pcap: file shorter than its header');
  const magic = file.readUInt32LE(0);
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
  else throw new Error('pcap: bad magic');
  const u32 = (off: number): number => (le ? file.readUInt32LE(off) : file.readUInt32BE(off));
  if (u32(20) !== LINKTYPE_ETHERNET) throw new Error(`pcap: link type ${u32(20)} is not Ethernet`);
  const out: UdpRecord[] = [];
  let off = 24;
  while (off + 16 <= file.length) {
    const capLen = u32(off + 8);
    const origLen = u32(off + 12);
    const start = off + 16;
    off = start + capLen;
    if (off > file.length || capLen !== origLen) continue; // truncated: not resendable verbatim
    const rec = parseFrame(file.subarray(start, start + capLen));
    if (rec) out.push(rec);
  }
  return out;
}

function ipv4(b: Buffer, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function parseFrame(f: Buffer): UdpRecord | null {
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
  const ihl = (f[at]! & 0x0f) * 4;
  const totalLen = f.readUInt16BE(at + 2);
  const fragment = f.readUInt16BE(at + 6) & 0x3fff; // MF flag or offset
  if (f[at + 9] !== 17 || fragment !== 0 || ihl < 20 || f.length < at + totalLen) return null;
  const udp = at + ihl;
  const udpLen = f.readUInt16BE(udp + 4);
  if (udpLen < 8 || udp + udpLen > at + totalLen) return null;
  return {
    src: ipv4(f, at + 12),
    dst: ipv4(f, at + 16),
    srcPort: f.readUInt16BE(udp),
    dstPort: f.readUInt16BE(udp + 2),
    payload: Buffer.from(f.subarray(udp + 8, udp + udpLen)),
  };
}
