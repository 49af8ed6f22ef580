/**
 * Reference point, not a product: the least a Node.js proxy does — node:http in front, an
 * undici Pool behind, headers passed through, bodies streamed. What Portway's proxy adds
 * (routing, filters, policies) is measured against this.
 */
import http from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { runNodePeer } from './node-proxy-main.js';

runNodePeer(async ({ host, port, upstream }) => {
  const pool = new Pool(`http://${upstream.host}:${upstream.port}`, { connections: 256, pipelining: 1, keepAliveTimeout: 120_000 });
  const server = http.createServer((req, res) => {
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {},
      onResponseStart(_c, status, headers) {
        res.writeHead(status, headers as http.OutgoingHttpHeaders);
      },
      onResponseData(_c, chunk) {
        res.write(chunk);
      },
      onResponseEnd() {
        res.end();
      },
      onResponseError() {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      },
    };
    const headers = { ...req.headers };
    delete headers.connection;
    pool.dispatch({ method: req.method as Dispatcher.HttpMethod, path: req.url ?? '/', headers: headers as Record<string, string>, body: req.method === 'GET' || req.method === 'HEAD' ? null : req }, handler);
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((r) => server.listen(port, host, r));
  return server;
});
