import { describe, expect, it } from 'vitest';
import { isCelError, parse, plan } from '@bufbuild/cel';
import { CEL_ENV } from './cel-rules.js';

const run = (expr: string, self: unknown = null) => plan(CEL_ENV, parse(expr))({ self: self as never });

describe('Kubernetes CEL library on @bufbuild/cel', () => {
  it.each([
    ["isIP('10.0.0.1')", true],
    ["isIP('::1')", true],
    ["isIP('010.0.0.1')", false],
    ["isIP('::ffff:1.2.3.4')", false],
    ["isIP('fe80::1%eth0')", false],
    ["ip('2001:db8:0::1') == ip('2001:db8::1')", true],
    ["ip('10.0.0.1').family() == 4", true],
    ["ip('::1').isLoopback()", true],
    ["ip.isCanonical('2001:db8::1')", true],
    ["ip.isCanonical('2001:DB8::1')", false],
    ["cidr('10.0.0.0/8').containsIP('10.1.2.3')", true],
    ["cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16')", true],
    ["cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8')", true],
    ["cidr('fd00::/8').prefixLength() == 8", true],
    ["isCIDR('10.0.0.0/33')", false],
    ["format.dns1123Label().validate('good') == null", true],
    ["format.dns1123Label().validate('Bad') != null", true],
    ["format.named('labelValue').validate('x_y') == null", true],
    ["'A/b'.lowerAscii().split('/')[0] == 'a'", true],
    ["duration('1h') > duration('30m')", true],
  ])('%s is %s', (expr, want) => expect(run(expr)).toBe(want));

  it('conversion errors are CEL errors, not throws', () => {
    expect(isCelError(run("ip('nope')"))).toBe(true);
    expect(isCelError(run("cidr('10.0.0.0/99')"))).toBe(true);
  });

  it('matches() uses RE2 inline flags', () => {
    expect(run("self.matches('^(?i)abc$')", 'ABC')).toBe(true);
  });
});
