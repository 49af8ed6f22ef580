import { connect as tlsConnect } from 'node:tls';
import { createConnection } from 'node:net';
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { findNatsServer, makeTestCertificates, NatsServerMissingError, startNatsServer, writeTestCertificates, type NatsServer } from './index.js';

/** Reads the INFO line a NATS server sends to every new connection. */
function readInfo(port: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let text = '';
    socket.setTimeout(3000, () => socket.destroy(new Error('no INFO within 3 s')));
    socket.on('data', (d) => {
      text += d.toString();
      const line = text.split('\r\n')[0]!;
      if (text.includes('\r\n')) {
        socket.destroy();
        resolve(JSON.parse(line.replace(/^INFO /, '')) as Record<string, unknown>);
      }
    });
    socket.on('error', reject);
  });
}

describe('startNatsServer', () => {
  const servers: NatsServer[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });

  it('starts nats-server with JetStream on a free loopback port, restarts it on the same port, and cleans up', async () => {
    const server = await startNatsServer();
    servers.push(server);
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    const info = await readInfo(server.port);
    expect(info).toMatchObject({ jetstream: true, port: server.port });
    const pid = server.pid;
    await server.kill('SIGKILL');
    await expect(readInfo(server.port)).rejects.toThrow();
    await server.restart();
    expect(server.pid).not.toBe(pid);
    expect((await readInfo(server.port)).server_id).toBeTypeOf('string');
    expect(server.log()).toContain('Server is ready');
    await server.stop();
    const { existsSync } = await import('node:fs');
    expect(existsSync(server.dir)).toBe(false);
  });

  it('serves TLS with certificates made by makeTestCertificates', async () => {
    const certs = await makeTestCertificates({ clients: ['hub'] });
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const certDir = await mkdtemp(join(tmpdir(), 'portway-certs-'));
    cleanups.push(() => rm(certDir, { recursive: true, force: true }));
    const files = await writeTestCertificates(certDir, certs);
    const server = await startNatsServer({ tls: { certFile: files.server.certFile, keyFile: files.server.keyFile, caFile: files.caFile, verifyClients: true } });
    servers.push(server);
    const info = await readInfo(server.port);
    expect(info).toMatchObject({ tls_required: true, tls_verify: true });
    // A NATS server with TLS sends INFO in clear, then expects the handshake.
    const authorized = await new Promise<boolean>((resolve, reject) => {
      const raw = createConnection({ host: '127.0.0.1', port: server.port });
      raw.once('data', () => {
        const socket = tlsConnect({ socket: raw, ca: certs.ca.cert, cert: certs.clients.hub!.cert, key: certs.clients.hub!.key, servername: 'localhost' }, () => {
          resolve(socket.authorized);
          socket.destroy();
        });
        socket.on('error', reject);
      });
      raw.on('error', reject);
    });
    expect(authorized).toBe(true);
  });

  it('reports a config the server refuses, with its log', async () => {
    await expect(startNatsServer({ config: 'this is { not valid' })).rejects.toThrow(/exited .* before it was ready/s);
  });

  it('names the package to install when the binary is missing', async () => {
    expect(findNatsServer()).toMatch(/nats-server$/);
    expect(() => findNatsServer(['/nonexistent'])).toThrow(NatsServerMissingError);
    expect(() => findNatsServer(['/nonexistent'])).toThrow(/apt-get install nats-server/);
    await expect(startNatsServer({ binary: '/nonexistent/nats-server' })).rejects.toThrow(/could not start \/nonexistent\/nats-server/);
  });
});
