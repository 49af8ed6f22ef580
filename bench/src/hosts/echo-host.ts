/**
 * A minimal HTTP backend in its own process, so a benchmark can kill it (connections refused) or
 * freeze it with SIGSTOP (connections hang): answers every request with `--status` (the
 * failover benchmark tells clusters apart by it) and a short body. Prints `READY` once listening.
 *
 *   node bench/dist/hosts/echo-host.js --address 127.0.81.1 --port 8080 --status 200
 */
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { address: { type: 'string' }, port: { type: 'string' }, status: { type: 'string' } } });
const address = values.address ?? '127.0.0.1';
const port = Number(values.port ?? '0');
const status = Number(values.status ?? '200');
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number (got ${values.port})`);
if (!Number.isInteger(status) || status < 200 || status > 599) throw new Error(`--status must be an HTTP status (got ${values.status})`);
const body = Buffer.from(`${address}:${port}\n`);

const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(port, address, () => console.log('READY'));
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
