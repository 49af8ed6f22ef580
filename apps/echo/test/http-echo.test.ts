import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEcho, EchoOptionsError, ListenError, type EchoServer } from '../src/index.js';
import { header, rawRequest } from './support/raw-http.js';

const POD = 'infra-backend-v1-7c9d8f6b5-x2k4p';
const NS = 'gateway-conformance-infra';

describe('HTTP listener: echo handler', () => {
  let server: EchoServer;
  const logs: string[] = [];
  let port: number;

  beforeAll(async () => {
    server = await startEcho({ host: '127.0.0.1', httpPort: 0, h2cPort: null, podName: POD, namespace: NS, log: (l) => logs.push(l) });
    port = server.ports.http!;
  });
  afterAll(async () => server.close());

  it('answers with upstream JSON byte for byte: field order, one-space indent, canonical sorted headers, lists, no Host', async () => {
    const res = await rawRequest(
      port,
      'GET /foo?x=1&y=%3C HTTP/1.1\r\nHost: example.com\r\nx-foo-bar: a\r\nX-Multi: 1\r\nUser-Agent: t\r\nx-multi: 2\r\nconnection: close\r\n\r\n',
    );
    expect(res.status).toBe(200);
    expect(header(res, 'Content-Type')).toBe('application/json');
    expect(header(res, 'X-Content-Type-Options')).toBe('nosniff');
    expect(res.body.toString('utf8')).toBe(
      [
        '{',
        ' "path": "/foo?x=1\\u0026y=%3C",',
        ' "host": "example.com",',
        ' "method": "GET",',
        ' "proto": "HTTP/1.1",',
        ' "headers": {',
        '  "Connection": [',
        '   "close"',
        '  ],',
        '  "User-Agent": [',
        '   "t"',
        '  ],',
        '  "X-Foo-Bar": [',
        '   "a"',
        '  ],',
        '  "X-Multi": [',
        '   "1",',
        '   "2"',
        '  ]',
        ' },',
        ` "httpPort": "${port}",`,
        ` "namespace": "${NS}",`,
        ' "ingress": "",',
        ' "service": "",',
        ` "pod": "${POD}"`,
        '}',
      ].join('\n'),
    );
    expect(logs.some((l) => /^Echoing back request made to \/foo\?x=1&y=%3C to client \(127\.0\.0\.1:\d+\)$/.test(l))).toBe(true);
  });

  it('prints the start-up line with the bound port', () => {
    expect(logs[0]).toBe(`Starting server, listening on port ${port} (http)`);
  });

  it('escapes strings as Go does: HTML characters, control characters, invalid UTF-8, U+2028', async () => {
    const raw = Buffer.concat([
      Buffer.from('GET /e HTTP/1.1\r\nHost: h\r\nX-Odd: <&>"\\\t'),
      Buffer.from([0xff, 0xe2, 0x80, 0xa8, 0xc3, 0xa9]),
      Buffer.from('\r\nConnection: close\r\n\r\n'),
    ]);
    const res = await rawRequest(port, raw);
    const body = res.body.toString('utf8');
    expect(body).toContain('  "X-Odd": [\n   "\\u003c\\u0026\\u003e\\"\\\\\\t\\ufffd\\u2028é"\n  ]');
  });

  it('reports the request-target exactly (raw path with query), the Host of an absolute-form target', async () => {
    const res = await rawRequest(port, 'GET http://other.example:8080/p%20q?a=b HTTP/1.1\r\nHost: ignored\r\nConnection: close\r\n\r\n');
    const json = JSON.parse(res.body.toString()) as { path: string; host: string; headers: Record<string, string[]> };
    expect(json.path).toBe('http://other.example:8080/p%20q?a=b');
    expect(json.host).toBe('other.example:8080');
    expect(json.headers.Host).toBeUndefined();
  });

  it('leaves Transfer-Encoding out of the headers, as Go moves it out of r.Header', async () => {
    const res = await rawRequest(port, 'POST /te HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    const json = JSON.parse(res.body.toString()) as { method: string; headers: Record<string, string[]> };
    expect(json.method).toBe('POST');
    expect(Object.keys(json.headers)).toEqual(['Connection']);
  });

  it('answers 400 to an HTTP/1.1 request without Host, as Go does', async () => {
    const res = await rawRequest(port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(400);
    expect(res.body.toString()).toBe('400 Bad Request: missing required Host header');
  });

  it('reports HTTP/1.0 requests as such', async () => {
    const res = await rawRequest(port, 'GET /old HTTP/1.0\r\n\r\n', { waitForClose: true });
    const json = JSON.parse(res.body.toString()) as { proto: string; host: string };
    expect(json.proto).toBe('HTTP/1.0');
    expect(json.host).toBe('');
  });
});

describe('HTTP listener: X-Echo-Set-Header', () => {
  let server: EchoServer;
  let port: number;
  beforeAll(async () => {
    server = await startEcho({ host: '127.0.0.1', httpPort: 0, h2cPort: null, log: () => undefined });
    port = server.ports.http!;
  });
  afterAll(async () => server.close());

  const names = (headers: Array<[string, string]>): string[] => headers.map(([n]) => n.toLowerCase()).sort();

  it('sets each Name:value item with its exact casing, appends repeated names, keeps the value after the colon', async () => {
    const res = await rawRequest(
      port,
      'GET / HTTP/1.1\r\nHost: h\r\nX-Echo-Set-Header: X-Header-Set-1:val1, x-lower: v2 ,X-Header-Set-1: again\r\n' +
        'X-Echo-Set-Header: Second:line,NoColon\r\nConnection: close\r\n\r\n',
    );
    const text = res.raw.toString('latin1');
    expect(text).toContain('\r\nX-Header-Set-1: val1,again\r\n');
    expect(text).toContain('\r\nx-lower: v2\r\n');
    expect(text).toContain('\r\nSecond: line\r\n');
    expect(text).toContain('\r\nNoColon: \r\n');
  });

  it('sets nothing for an empty X-Echo-Set-Header', async () => {
    const plain = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    const empty = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: h\r\nX-Echo-Set-Header: \r\nConnection: close\r\n\r\n');
    expect(empty.status).toBe(200);
    expect(names(empty.headers)).toEqual(names(plain.headers));
  });

  it('keeps upstream Content-Type even when a header of that exact name is requested', async () => {
    const res = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: h\r\nX-Echo-Set-Header: Content-Type:text/html\r\nConnection: close\r\n\r\n');
    expect(res.headers.filter(([n]) => n === 'Content-Type')).toEqual([['Content-Type', 'application/json']]);
  });
});

describe('HTTP listener: /status, /health, redirects', () => {
  let server: EchoServer;
  let port: number;
  beforeAll(async () => {
    server = await startEcho({ host: '127.0.0.1', httpPort: 0, h2cPort: null, log: () => undefined });
    port = server.ports.http!;
  });
  afterAll(async () => server.close());

  const get = (target: string, extra = ''): ReturnType<typeof rawRequest> =>
    rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: h\r\n${extra}Connection: close\r\n\r\n`);

  it('/status/NNN answers that status with an empty body', async () => {
    for (const code of [200, 404, 418, 503, 599]) {
      const res = await get(`/status/${code}`);
      expect(res.status).toBe(code);
      expect(res.body.length).toBe(0);
    }
    expect((await get('/status/599')).statusLine).toBe('HTTP/1.1 599 status code 599');
  });

  it('/status/NNN with a query string, or a malformed code, answers 400', async () => {
    expect((await get('/status/503?x=1')).status).toBe(400);
    expect((await get('/status/50')).status).toBe(400);
    expect((await get('/status/abc')).status).toBe(400);
    expect((await get('//status/503')).status).toBe(400);
  });

  it('/status/1xx sends the informational status, then 200', async () => {
    const res = await rawRequest(port, 'GET /status/103 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n', { waitForClose: true });
    const text = res.raw.toString('latin1');
    expect(text.startsWith('HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\n')).toBe(true);
  });

  it('/status/0NN drops the request (Go panics in WriteHeader)', async () => {
    const res = await rawRequest(port, 'GET /status/099 HTTP/1.1\r\nHost: h\r\n\r\n', { waitForClose: true });
    expect(res.raw.length).toBe(0);
  });

  it('/health answers OK', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('OK');
    expect(header(res, 'Content-Type')).toBe('text/plain; charset=utf-8');
  });

  it('redirects /status to /status/ and unclean paths to clean ones, as ServeMux', async () => {
    const a = await get('/status?x=1');
    expect(a.status).toBe(301);
    expect(header(a, 'Location')).toBe('/status/?x=1');
    expect(a.body.toString()).toBe('<a href="/status/?x=1">Moved Permanently</a>.\n\n');
    const b = await get('/a/./b/../c');
    expect(b.status).toBe(301);
    expect(header(b, 'Location')).toBe('/a/c');
  });

  it('replaces // by / before routing but reports the raw path', async () => {
    const res = await get('//health');
    expect(res.body.toString()).toBe('OK');
    const echo = await get('/x//y');
    expect((JSON.parse(echo.body.toString()) as { path: string }).path).toBe('/x//y');
  });

  it('answers OPTIONS * with 200', async () => {
    const res = await rawRequest(port, 'OPTIONS * HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(200);
  });
});

describe('HTTP listener: delay', () => {
  let server: EchoServer;
  let port: number;
  beforeAll(async () => {
    server = await startEcho({ host: '127.0.0.1', httpPort: 0, h2cPort: null, log: () => undefined });
    port = server.ports.http!;
  });
  afterAll(async () => server.close());

  it('sleeps for delay= (Go duration) before answering', async () => {
    const started = performance.now();
    const res = await rawRequest(port, 'GET /slow?delay=300ms HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
  });

  it('takes delay from a url-encoded POST body too', async () => {
    const started = performance.now();
    const body = 'delay=200ms';
    const res = await rawRequest(
      port,
      `POST /form HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('answers 500 with the Go error for an unparsable duration', async () => {
    const res = await rawRequest(port, 'GET /x?delay=abc HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(500);
    expect(header(res, 'Content-Type')).toBe('application/json');
    expect(res.body.toString()).toBe('{"message":"time: invalid duration \\"abc\\""}');
    const unit = await rawRequest(port, 'GET /x?delay=5 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    expect(unit.body.toString()).toBe('{"message":"time: missing unit in duration \\"5\\""}');
  });

  it('ends pending delays when the server closes', async () => {
    const other = await startEcho({ host: '127.0.0.1', httpPort: 0, h2cPort: null, log: () => undefined });
    const pending = rawRequest(other.ports.http!, 'GET /x?delay=1h HTTP/1.1\r\nHost: h\r\n\r\n', { waitForClose: true, timeoutMs: 5000 }).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    await other.close();
    await pending;
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('HTTP listener: /retry', () => {
  let server: EchoServer;
  let other: EchoServer;
  beforeAll(async () => {
    server = await startEcho({ host: '127.0.0.1', httpPort: 0, h2cPort: null, podName: 'infra-backend-v3-a-b', log: () => undefined });
    other = await startEcho({ host: '127.0.0.1', httpPort: 0, h2cPort: null, log: () => undefined });
  });
  afterAll(async () => {
    await server.close();
    await other.close();
  });

  const get = (port: number, target: string): ReturnType<typeof rawRequest> =>
    rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);

  it('fails succeedAfter attempts with responseCode, then echoes the whole request-target', async () => {
    const target = '/retry/code-500-attempts-3?responseCode=500&succeedAfter=2&uuid=u-1';
    const port = server.ports.http!;
    expect((await get(port, target)).status).toBe(500);
    const second = await get(port, target);
    expect(second.status).toBe(500);
    expect(second.body.length).toBe(0);
    const third = await get(port, target);
    expect(third.status).toBe(200);
    const json = JSON.parse(third.body.toString()) as { path: string; pod: string };
    expect(json.path).toBe(target);
    expect(json.pod).toBe('infra-backend-v3-a-b');
    expect((await get(port, target)).status).toBe(200);
  });

  it('resets the TCP connection without responseCode', async () => {
    const target = '/retry/reset?succeedAfter=1&uuid=u-rst';
    const err = await get(server.ports.http!, target).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err?.code).toBe('ECONNRESET');
    expect((await get(server.ports.http!, target)).status).toBe(200);
  });

  it('counts per server instance: another instance starts from zero', async () => {
    const target = '/retry/x?responseCode=503&succeedAfter=1&uuid=u-shared';
    expect((await get(server.ports.http!, target)).status).toBe(503);
    expect((await get(server.ports.http!, target)).status).toBe(200);
    expect((await get(other.ports.http!, target)).status).toBe(503);
  });

  it('sleeps delayRetry before each failure', async () => {
    const started = performance.now();
    expect((await get(server.ports.http!, '/retry/d?responseCode=500&succeedAfter=1&uuid=u-d&delayRetry=200ms')).status).toBe(500);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('requires uuid and succeedAfter', async () => {
    const a = await get(server.ports.http!, '/retry/x?succeedAfter=1');
    expect(a.status).toBe(400);
    expect(a.body.toString()).toBe('uuid is required\n');
    const b = await get(server.ports.http!, '/retry/x?uuid=u');
    expect(b.status).toBe(400);
    expect(b.body.toString()).toBe('succeedAfter is required\n');
  });
});

describe('startEcho options', () => {
  it('rejects unusable options with a message naming the option', async () => {
    await expect(startEcho({ host: '127.0.0.1', httpPort: 70000 })).rejects.toThrow(EchoOptionsError);
    await expect(startEcho({ host: '127.0.0.1', httpPort: 70000 })).rejects.toThrow(/httpPort/);
    await expect(startEcho({ host: '' })).rejects.toThrow(/host/);
    await expect(startEcho({ host: '127.0.0.1', mode: 'ftp' as never })).rejects.toThrow(/mode/);
  });

  it('reports a port in use and leaves nothing bound', async () => {
    const first = await startEcho({ host: '127.0.0.1', httpPort: 0, h2cPort: 0, log: () => undefined });
    try {
      const attempt = startEcho({ host: '127.0.0.1', httpPort: 0, h2cPort: first.ports.h2c!, log: () => undefined });
      await expect(attempt).rejects.toThrow(ListenError);
      await expect(attempt).rejects.toThrow(/h2c listener/);
    } finally {
      await first.close();
    }
  });
});
