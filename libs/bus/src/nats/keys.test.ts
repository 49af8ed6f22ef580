import { describe, expect, it } from 'vitest';
import {
  ackSubject,
  decodeToken,
  encodeToken,
  endpointsKey,
  manifestFilter,
  manifestKey,
  parseAgentSubject,
  parseEndpointsKey,
  parseManifestKey,
  parseShardKey,
  shardKey,
} from './keys.js';

describe('NATS key layout', () => {
  it('keeps plain names and encodes the rest reversibly into valid key tokens', () => {
    for (const v of ['east', 'my-gw_1', '', 'a.b', 'gw*', '>', '=x', 'é', 'spaces here', '../..']) {
      const t = encodeToken(v);
      expect(t).toMatch(/^[-=_A-Za-z0-9]+$/);
      expect(decodeToken(t)).toBe(v);
    }
    expect(encodeToken('east')).toBe('east');
    expect(encodeToken('a.b')).not.toBe(encodeToken('a_b'));
  });

  it('puts the cluster first in every key and subject, and parses them back', () => {
    const key = { cluster: 'eu.west', namespace: 'team-a', name: 'edge.v2' };
    expect(manifestKey(key).startsWith(`${encodeToken('eu.west')}.gw.`)).toBe(true);
    expect(manifestKey(key).split('.')).toHaveLength(4);
    expect(parseManifestKey(manifestKey(key))).toEqual(key);
    expect(parseManifestKey(shardKey('east', 'ab'))).toBeUndefined();
    expect(parseShardKey(shardKey('east', 'ab'))).toEqual({ cluster: 'east', id: 'ab' });
    expect(manifestFilter('east')).toBe('east.gw.>');
    expect(manifestFilter()).toBe('*.gw.>');
    const ep = { cluster: '', namespace: 'ns', service: 'svc' };
    expect(parseEndpointsKey(endpointsKey(ep))).toEqual(ep);
    expect(parseAgentSubject(ackSubject('eu.west', 'agent 1'), 'portway.ack')).toEqual({ cluster: 'eu.west', agent: 'agent 1' });
    expect(parseAgentSubject('portway.ack.a.b.c', 'portway.ack')).toBeUndefined();
    expect(parseAgentSubject('other.a.b', 'portway.ack')).toBeUndefined();
  });
});
