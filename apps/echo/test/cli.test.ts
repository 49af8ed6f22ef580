import * as grpc from '@grpc/grpc-js';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcEchoClientConstructor } from '../src/grpc/proto.js';
import type { EchoResponseMessage } from '../src/grpc/echo-service.js';
import { makeTestPki, type TestPki } from './support/certs.js';
import { rawRequest } from './support/raw-http.js';

const exec = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const tscBin = fileURLToPath(new URL('../../../node_modules/.bin/tsc', import.meta.url));
const binPath = join(packageDir, 'bin', 'portway-echo.js');

interface Running {
  child: ChildProcess;
  lines: string[];
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exit: Promise<number | null>;
  stderr: () => string;
}

function runCli(env: Record<string, string>): Running {
  const child = spawn(process.execPath, [binPath], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    partial += d.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exit,
    stderr: () => err,
    waitForLine: (pattern, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          for (const l of lines) {
            const m = l.match(pattern);
            if (m) {
              waiters.delete(onLine);
              clearTimeout(timer);
              resolve(m);
              return true;
            }
          }
          return false;
        };
        const onLine = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(onLine);
          reject(new Error(`no stdout line matching ${pattern} within ${timeoutMs} ms; stdout: ${lines.join(' | ')}; stderr: ${err}`));
        }, timeoutMs);
        if (!check()) waiters.add(onLine);
      }),
  };
}

describe('portway-echo CLI (built package: dist/ and proto/)', () => {
  let pki: TestPki;
  let dir: string;

  beforeAll(async () => {
    await exec(tscBin, ['-b', packageDir], { timeout: 170_000 });
    pki = await makeTestPki();
    dir = mkdtempSync(join(tmpdir(), 'portway-echo-cli-'));
    writeFileSync(join(dir, 'tls.crt'), pki.server.cert);
    writeFileSync(join(dir, 'tls.key'), pki.server.key);
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves gRPC from dist/ (the .proto is found) and stops on SIGTERM', async () => {
    const cli = runCli({ GRPC_ECHO_SERVER: '1', HTTP_PORT: '0', POD_NAME: 'grpc-infra-backend-v1-a-b', NAMESPACE: 'ns' });
    try {
      const [, port] = await cli.waitForLine(/^plaintext server listening at 127\.0\.0\.1:(\d+)$/);
      const Client = grpcEchoClientConstructor();
      const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      const res = await new Promise<EchoResponseMessage>((resolve, reject) =>
        (client as unknown as { Echo: (r: object, cb: (e: Error | null, r: EchoResponseMessage) => void) => void }).Echo({}, (e, r) =>
          e ? reject(e) : resolve(r),
        ),
      );
      client.close();
      expect(res.assertions.context.pod).toBe('grpc-infra-backend-v1-a-b');
      expect(res.assertions.context.namespace).toBe('ns');
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect(await cli.exit).toBe(0);
  });

  it('serves HTTP, h2c and HTTPS from the environment, logging to stdout', async () => {
    const cli = runCli({
      HOST: '127.0.0.1',
      HTTP_PORT: '0',
      H2C_PORT: '0',
      HTTPS_PORT: '0',
      TLS_SERVER_CERT: join(dir, 'tls.crt'),
      TLS_SERVER_PRIVKEY: join(dir, 'tls.key'),
      POD_NAME: 'infra-backend-v1-a-b',
    });
    try {
      const [, httpPort] = await cli.waitForLine(/^Starting server, listening on port (\d+) \(http\)$/);
      await cli.waitForLine(/\(h2c\)$/);
      const [, httpsPort] = await cli.waitForLine(/^Starting server, listening on port (\d+) \(https\)$/);
      const res = await rawRequest(Number(httpsPort), 'GET /cli HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n', {
        tls: { ca: pki.ca.cert, servername: 'abc.example.com' },
      });
      const json = JSON.parse(res.body.toString()) as { httpPort: string; pod: string; tls: { version: string } };
      expect(json).toMatchObject({ httpPort, pod: 'infra-backend-v1-a-b', tls: { version: 'TLSv1.3' } });
      await cli.waitForLine(/^Echoing back request made to \/cli to client \(127\.0\.0\.1:\d+\)$/);
    } finally {
      cli.child.kill('SIGINT');
    }
    expect(await cli.exit).toBe(0);
  });

  it('exits 1 with a message naming the variable for a bad environment', async () => {
    const cli = runCli({ HTTP_PORT: 'eighty' });
    expect(await cli.exit).toBe(1);
    expect(cli.stderr()).toContain("portway-echo: non-integer value in HTTP_PORT 'eighty'");
  });
});
