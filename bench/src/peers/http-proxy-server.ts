/** Peer: the `http-proxy` package behind node:http, with a keep-alive agent to the upstream. */
import http from 'node:http';
import httpProxy from 'http-proxy';
import { runNodePeer } from './node-proxy-main.js';

runNodePeer(async ({ host, port, upstream }) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const proxy = httpProxy.createProxyServer({ target: `http://${upstream.host}:${upstream.port}`, agent, xfwd: true });
  proxy.on('error', (_err, _req, res) => {
    const r = res as http.ServerResponse;
    if (!r.headersSent) r.writeHead(502);
    r.end();
  });
  const server = http.createServer((req, res) => proxy.web(req, res));
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((r) => server.listen(port, host, r));
  return server;
});
