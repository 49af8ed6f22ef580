import { describe, expect, it } from 'vitest';
import { muxRoute } from './mux.js';
import type { EchoHttpRequest } from './request.js';

function req(requestUri: string, method = 'GET'): EchoHttpRequest {
  return { requestUri, host: 'h', method, proto: 'HTTP/1.1', headerLines: [], remoteAddr: '127.0.0.1:1', tls: undefined, readBody: async () => Buffer.alloc(0) };
}

function route(target: string, method?: string): string {
  const r = muxRoute(req(target, method));
  if (r.kind !== 'answer') return r.kind;
  const a = r.action;
  if (a.kind !== 'reply') return a.kind;
  const loc = a.headers.find(([n]) => n === 'Location')?.[1];
  return `${a.status}${loc ? ' ' + loc : ''}`;
}

describe('the upstream handler chain (preserveSlashes + ServeMux)', () => {
  it('routes the registered patterns', () => {
    expect(route('/health')).toBe('health');
    expect(route('/health/')).toBe('echo');
    expect(route('/status/200')).toBe('status');
    expect(route('/status/')).toBe('status');
    expect(route('/retry/x?uuid=1')).toBe('retry');
    expect(route('/ws')).toBe('ws');
    expect(route('/ws/x')).toBe('echo');
    expect(route('/')).toBe('echo');
    expect(route('/anything?q')).toBe('echo');
  });

  it('replaces // by / first, so //health is /health', () => {
    expect(route('//health')).toBe('health');
    expect(route('/status//200')).toBe('status');
    expect(route('///x')).toBe('301 /x');
  });

  it('matches escaped segments by their unescaped value', () => {
    expect(route('/heal%74h')).toBe('health');
    expect(route('/status%2F200')).toBe('echo');
  });

  it('redirects subtree roots without their slash, and unclean paths', () => {
    expect(route('/status')).toBe('301 /status/');
    expect(route('/retry?a=b')).toBe('301 /retry/?a=b');
    expect(route('/a/../health')).toBe('301 /health');
    expect(route('/a/./b/')).toBe('301 /a/b/');
  });

  it('answers OPTIONS * and rejects other * requests and malformed escapes', () => {
    expect(route('*', 'OPTIONS')).toBe('200');
    expect(route('*')).toBe('400');
    expect(route('/%zz')).toBe('400');
    expect(route('no-slash')).toBe('400');
  });

  it('routes absolute-form targets by their path', () => {
    expect(route('http://h:80/health')).toBe('health');
    expect(route('http://h:80')).toBe('301 /');
  });
});
