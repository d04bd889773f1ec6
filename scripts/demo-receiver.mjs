// A tiny webhook receiver for the demo: prints each event as it arrives.
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    res.writeHead(204).end();
    try {
      const ev = JSON.parse(body);
      const extra = ev.tswg ?? {};
      const who = ev.entity === 'peer' ? ev.identifier.slice(0, 10) + '…' : ev.identifier;
      const why = extra.reason ? ` reason=${extra.reason}` : '';
      const ep = ev.payload && ev.payload.Endpoint ? ` endpoint=${ev.payload.Endpoint}` : '';
      process.stdout.write(`  webhook ▸ ${ev.event.padEnd(10)} ${ev.entity.padEnd(9)} ${who}${ep}${why}\n`);
      if (process.env.DEMO_VERBOSE) process.stdout.write(`${JSON.stringify(ev, null, 2)}\n`);
    } catch {
      process.stdout.write(`  webhook ▸ (unparsable body: ${body.length} bytes)\n`);
    }
  });
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`receiver listening on 127.0.0.1:${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
