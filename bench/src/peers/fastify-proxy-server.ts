/** Peer: fastify with `@fastify/http-proxy` (undici upstream pool, its defaults). */
import fastifyHttpProxy from '@fastify/http-proxy';
import Fastify from 'fastify';
import { runNodePeer } from './node-proxy-main.js';

runNodePeer(async ({ host, port, upstream }) => {
  const app = Fastify({ logger: false, keepAliveTimeout: 120_000 });
  await app.register(fastifyHttpProxy, { upstream: `http://${upstream.host}:${upstream.port}` });
  await app.listen({ host, port });
  return app.server;
});
