// Stand-alone garbage UDP sender, run inside a namespace by interop tests
// (`ip netns exec <ns> node dist/test/helpers/udp-flood.js ...`). Sends a
// bounded number of datagrams at a WireGuard listen port: a mix shaped like
// each message type (right type byte and size, protocol-checklist §2, random
// content) plus raw random junk. Prints "sent N" and exits; own timeout.
//   udp-flood <addr> <port> <count> <timeout-ms>
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';

function fail(msg: string): never {
  process.stderr.write(`udp-flood: ${msg}\n`);
  process.exit(2);
}

/** Datagram number i: cycles through shaped messages and pure junk. */
function datagram(i: number): Buffer {
  const shaped = (type: number, size: number): Buffer => {
    const b = randomBytes(size);
    b.writeUInt32LE(type, 0); // type byte + three zero reserved bytes
    return b;
  };
  switch (i % 5) {
    case 0:
      return shaped(1, 148); // handshake initiation with bogus mac1
    case 1:
      return shaped(2, 92); // handshake response for an unknown index
    case 2:
      return shaped(3, 64); // cookie reply for an unknown index
    case 3:
      return shaped(4, 32 + 16 * randomInt(0, 80)); // transport data, unknown index / bad tag
    default:
      return randomBytes(randomInt(0, 1500)); // anything, including empty
  }
}

async function main(addr: string, port: number, count: number): Promise<void> {
  const sock = createSocket(addr.includes(':') ? 'udp6' : 'udp4');
  let sent = 0;
  const BATCH = 200;
  while (sent < count) {
    const n = Math.min(BATCH, count - sent);
    const batch: Array<Promise<void>> = [];
    for (let k = 0; k < n; k++) {
      const msg = datagram(sent + k);
      batch.push(new Promise((resolve) => sock.send(msg, port, addr, () => resolve())));
    }
    await Promise.all(batch); // send errors (e.g. ENOBUFS) just mean a dropped datagram
    sent += n;
  }
  sock.close();
  process.stdout.write(`sent ${sent}\n`);
}

const [addr, port, count, timeoutMs] = process.argv.slice(2);
if (!addr || !port || !count || !timeoutMs) fail('usage: udp-flood <addr> <port> <count> <timeout-ms>');
setTimeout(() => fail(`timed out after ${timeoutMs} ms`), Number(timeoutMs)).unref();
main(addr, Number(port), Number(count)).catch((err: Error) => fail(err.message));
