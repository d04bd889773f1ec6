// Stand-alone TCP transfer endpoint, run inside a namespace by transfer.ts
// (`ip netns exec <ns> node dist/test/helpers/tcp-blast.js ...`). It moves
// random bytes over one TCP connection and prints the SHA-256 of what it
// sent/received so the test can compare both ends. Bounded by its own timeout.
//   recv <bind-addr> <port> <timeout-ms>          → "listening", "progress N"…, "done N HEX"
//   send <addr> <port> <bytes> <timeout-ms> [bytes-per-second] → "done N HEX"
import { createHash, randomFillSync } from 'node:crypto';
import { createConnection, createServer, type Socket } from 'node:net';

const PROGRESS_STEP = 1 << 20;

function fail(msg: string): never {
  process.stderr.write(`tcp-blast: ${msg}\n`);
  process.exit(2);
}

function armTimeout(ms: number): void {
  setTimeout(() => fail(`timed out after ${ms} ms`), ms).unref();
}

function recv(bindAddr: string, port: number): void {
  const server = createServer((sock: Socket) => {
    server.close(); // exactly one connection
    const hash = createHash('sha256');
    let bytes = 0;
    let nextReport = PROGRESS_STEP;
    sock.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      if (bytes >= nextReport) {
        process.stdout.write(`progress ${bytes}\n`);
        nextReport = bytes + PROGRESS_STEP;
      }
    });
    sock.on('end', () => {
      process.stdout.write(`done ${bytes} ${hash.digest('hex')}\n`);
      sock.end();
      process.exitCode = 0;
    });
    sock.on('close', () => process.exit(process.exitCode ?? 0));
    sock.on('error', (err) => fail(`receive: ${err.message}`));
  });
  server.on('error', (err) => fail(`listen: ${err.message}`));
  server.listen({ host: bindAddr, port }, () => process.stdout.write(`listening ${port}\n`));
}

function send(addr: string, port: number, total: number, rate: number): void {
  const hash = createHash('sha256');
  const chunkSize = 64 * 1024;
  let sent = 0;
  let start = 0;
  const sock = createConnection({ host: addr, port });
  const pump = (): void => {
    start ||= Date.now();
    while (sent < total) {
      // Optional pacing, so a test can reliably act while data is in flight.
      if (rate > 0 && sent >= (rate * (Date.now() - start)) / 1000) {
        setTimeout(pump, 5);
        return;
      }
      const n = Math.min(chunkSize, total - sent);
      // A fresh random buffer per write: the socket may still hold the last one.
      const data = randomFillSync(Buffer.allocUnsafe(n));
      hash.update(data);
      sent += n;
      if (!sock.write(data)) {
        sock.once('drain', pump);
        return;
      }
    }
    sock.end();
  };
  sock.on('connect', pump);
  sock.on('error', (err) => fail(`send: ${err.message}`));
  sock.on('close', (hadError) => {
    if (hadError) return;
    process.stdout.write(`done ${sent} ${hash.digest('hex')}\n`);
    process.exit(0);
  });
  sock.resume(); // the receiver sends nothing; let 'end' arrive
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'recv' && args.length === 3) {
  armTimeout(Number(args[2]));
  recv(args[0]!, Number(args[1]));
} else if (mode === 'send' && (args.length === 4 || args.length === 5)) {
  armTimeout(Number(args[3]));
  send(args[0]!, Number(args[1]), Number(args[2]), Number(args[4] ?? 0));
} else {
  fail('usage: recv <bind-addr> <port> <timeout-ms> | send <addr> <port> <bytes> <timeout-ms> [bytes-per-second]');
}
