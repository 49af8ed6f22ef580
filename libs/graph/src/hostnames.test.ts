import { describe, expect, it } from 'vitest';
import { compareHostSpecificity, effectiveHostnames, hostMatches, intersectHostname } from './hostnames.js';

describe('hostMatches', () => {
  it('matches wildcards on one or more labels, never the bare suffix', () => {
    expect(hostMatches('*.example.com', 'a.example.com')).toBe(true);
    expect(hostMatches('*.example.com', 'a.b.example.com')).toBe(true);
    expect(hostMatches('*.example.com', 'example.com')).toBe(false);
    expect(hostMatches('*.example.com', 'aexample.com')).toBe(false);
    expect(hostMatches('Foo.Example.com', 'foo.example.COM')).toBe(true);
  });
});

describe('intersectHostname', () => {
  it.each([
    [undefined, 'foo.example.com', 'foo.example.com'],
    ['*.example.com', 'foo.example.com', 'foo.example.com'],
    ['*.example.com', '*.example.com', '*.example.com'],
    ['*.example.com', '*.com', '*.example.com'],
    ['*.example.com', '*.foo.example.com', '*.foo.example.com'],
    ['foo.example.com', '*.example.com', 'foo.example.com'],
    ['*.example.com', 'example.com', undefined],
    ['*.example.com', 'test.example.net', undefined],
    ['foo.example.com', 'bar.example.com', undefined],
  ])('listener %s, route %s -> %s', (listener, route, expected) => {
    expect(intersectHostname(listener, route)).toBe(expected);
  });

  it('gives the listener hostname, or "*", to routes without hostnames', () => {
    expect(effectiveHostnames('*.example.com', undefined)).toEqual(['*.example.com']);
    expect(effectiveHostnames(undefined, [])).toEqual(['*']);
    expect(effectiveHostnames('*.example.com', ['a.example.com', 'a.example.net'])).toEqual(['a.example.com']);
  });
});

describe('compareHostSpecificity', () => {
  it('orders exact names, then wildcards with more labels, then any host', () => {
    const hosts = ['*', '*.example.com', 'foo.example.com', '*.foo.example.com', undefined];
    expect([...hosts].sort(compareHostSpecificity)).toEqual(['foo.example.com', '*.foo.example.com', '*.example.com', '*', undefined]);
  });
});
