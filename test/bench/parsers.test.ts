// Parsers and statistics the benchmark relies on: iperf3 JSON, ping summary,
// /proc stat CPU time, median/min/max, and the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBenchArgs, BenchUsageError } from '../../bench/args.js';
import { iperfError, parseIperfJson, parsePingRtt, parsePingTimes, parseUdpRcvbufErrors, quantile } from '../../bench/parsers.js';
import { cpuSecondsFromStat } from '../../bench/procstat.js';
import { median, summarize, missing } from '../../bench/stats.js';

test('parseIperfJson reads receiver goodput, bytes and retransmits', () => {
  const text = JSON.stringify({
    start: {},
    end: {
      sum_sent: { seconds: 10, bytes: 700_000_000, bits_per_second: 560_000_000, retransmits: 42 },
      sum_received: { seconds: 10.04, bytes: 690_000_000, bits_per_second: 549_800_000 },
    },
  });
  assert.deepEqual(parseIperfJson(text), { bitsPerSecond: 549_800_000, bytes: 690_000_000, seconds: 10.04, retransmits: 42 });
});

test('parseIperfJson rejects errors, empty transfers and garbage; iperfError extracts the message', () => {
  const err = JSON.stringify({ start: {}, end: {}, error: 'unable to connect to server: Connection timed out' });
  assert.equal(parseIperfJson(err), null);
  assert.equal(iperfError(err), 'unable to connect to server: Connection timed out');
  assert.equal(parseIperfJson(JSON.stringify({ end: { sum_received: { seconds: 3, bytes: 0, bits_per_second: 0 } } })), null);
  assert.equal(parseIperfJson('not json'), null);
  assert.equal(parseIperfJson('null'), null);
  assert.equal(iperfError('{"end":{}}'), null);
});

test('parsePingRtt reads the iputils summary line and refuses other text', () => {
  const out = '--- 198.19.1.2 ping statistics ---\n50 packets transmitted, 50 received, 0% packet loss, time 539ms\nrtt min/avg/max/mdev = 0.061/0.078/0.112/0.012 ms\n';
  assert.deepEqual(parsePingRtt(out), { minMs: 0.061, avgMs: 0.078, maxMs: 0.112, mdevMs: 0.012 });
  assert.equal(parsePingRtt('3 packets transmitted, 0 received, 100% packet loss'), null);
});

test('parsePingTimes reads every reply in order and skips the rest', () => {
  const out = [
    'PING 198.19.1.2 (198.19.1.2) 56(84) bytes of data.',
    '64 bytes from 198.19.1.2: icmp_seq=1 ttl=64 time=0.412 ms',
    'From 198.19.1.1 icmp_seq=2 Destination Host Unreachable',
    '64 bytes from 198.19.1.2: icmp_seq=3 ttl=64 time=1.05 ms',
    '--- 198.19.1.2 ping statistics ---',
    'rtt min/avg/max/mdev = 0.412/0.731/1.050/0.319 ms',
  ].join('\n');
  assert.deepEqual(parsePingTimes(out), [0.412, 1.05]);
  assert.deepEqual(parsePingTimes('3 packets transmitted, 0 received'), []);
});

test('parseUdpRcvbufErrors finds the column by name in the Udp lines of /proc/net/snmp', () => {
  // Layout as Linux 6.x prints it (Udp header line, then the values line).
  const snmp = [
    'Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors',
    'Tcp: 1 200 120000 -1 9 4 0 0 2 123 456 7 0 1 0',
    'Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors',
    'Udp: 215984 0 35921 45231 35921 0 0 0 0',
    'UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors',
    'UdpLite: 0 0 0 0 7 0 0 0 0',
  ].join('\n');
  assert.equal(parseUdpRcvbufErrors(snmp), 35921);
  // A kernel with the column elsewhere.
  assert.equal(parseUdpRcvbufErrors('Udp: RcvbufErrors InDatagrams\nUdp: 12 900\n'), 12);
  assert.equal(parseUdpRcvbufErrors('Udp: InDatagrams NoPorts\nUdp: 1 2\n'), null);
  assert.equal(parseUdpRcvbufErrors('Udp: InDatagrams RcvbufErrors\nUdp: 1 x\n'), null);
  assert.equal(parseUdpRcvbufErrors(''), null);
});

test('quantile uses the nearest rank', () => {
  const v = [5, 1, 4, 2, 3];
  assert.equal(quantile(v, 0.5), 3);
  assert.equal(quantile(v, 0.99), 5);
  assert.equal(quantile(v, 0), 1);
  assert.equal(quantile(Array.from({ length: 100 }, (_, i) => i + 1), 0.99), 99);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

test('cpuSecondsFromStat adds utime and stime, even when comm has spaces and parentheses', () => {
  const fields = ['S', '1', '2', '3', '0', '-1', '4194560', '100', '0', '0', '0', '250', '130', '0', '0', '20', '0', '9'];
  const stat = `4242 (we (ird) name) ${fields.join(' ')}`;
  assert.equal(cpuSecondsFromStat(stat, 100), 3.8);
  assert.throws(() => cpuSecondsFromStat('4242 (x) S 1', 100), /malformed/);
});

test('median, summarize and missing', () => {
  assert.equal(median([3]), 3);
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), RangeError);
  const f = summarize('packets/s', [10, 30, 20], 'n');
  assert.deepEqual(f, { status: 'ok', unit: 'packets/s', median: 20, min: 10, max: 30, runs: [10, 30, 20], note: 'n' });
  assert.throws(() => summarize('x', [1, Number.NaN]), RangeError);
  assert.deepEqual(missing('skipped', 'ms', 'why'), { status: 'skipped', unit: 'ms', reason: 'why' });
});

test('parseBenchArgs: defaults, flags, groups and errors', () => {
  const d = parseBenchArgs([]);
  assert.equal(d.quick, false);
  assert.equal(d.e2e, true);
  assert.equal(d.out, null);
  assert.equal(d.groups.size, 8);
  const a = parseBenchArgs(['--quick', '--no-e2e', '--out', '/tmp/x.json', '--only', 'crypto,scale']);
  assert.equal(a.quick, true);
  assert.equal(a.e2e, false);
  assert.equal(a.out, '/tmp/x.json');
  assert.deepEqual([...a.groups].sort(), ['crypto', 'scale']);
  assert.throws(() => parseBenchArgs(['--only', 'nope']), BenchUsageError);
  assert.throws(() => parseBenchArgs(['--out']), BenchUsageError);
  assert.throws(() => parseBenchArgs(['-q']), BenchUsageError);
});
