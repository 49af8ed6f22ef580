import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './parse-args.js';

describe('parseCliArgs', () => {
  it('defaults the suite, the Portway script and the address pools from the repository root', () => {
    const o = parseCliArgs([], '/repo/main', '/somewhere');
    expect(o).toMatchObject({ suiteDir: '/repo/shared/conformance', portwayScript: '/repo/main/apps/portway/dist/main.js', profiles: [], tests: [], timeoutScale: 1, keepDir: false, addressPool: '127.0.100.1-127.0.100.254' });
  });

  it('resolves relative paths against the directory npm ran in, and repeats lists', () => {
    const o = parseCliArgs(['--suite', 'suite', '--report', 'r.json', '--trace', '/abs/t.jsonl', '--profile', 'GATEWAY-HTTP', '--profile', 'GATEWAY-TLS,GATEWAY-TCP', '--test', 'A', '--timeout-scale', '0.5'], '/repo/main', '/work/dir');
    expect(o).toMatchObject({ suiteDir: '/work/dir/suite', reportFile: '/work/dir/r.json', traceFile: '/abs/t.jsonl', profiles: ['GATEWAY-HTTP', 'GATEWAY-TLS', 'GATEWAY-TCP'], tests: ['A'], timeoutScale: 0.5 });
  });

  it('rejects unknown options and bad numbers with a message', () => {
    expect(() => parseCliArgs(['--nope'], '/r', '/c')).toThrow(/Unknown option '--nope'/);
    expect(() => parseCliArgs(['--timeout-scale', 'fast'], '/r', '/c')).toThrow(/--timeout-scale must be a positive number/);
  });
});
