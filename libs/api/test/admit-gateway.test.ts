/**
 * Gateway, GatewayClass and ListenerSet admission held to the upstream CRDs (v1.6.1 experimental):
 * limits, listener rules (names, port/protocol/hostname, TLS modes), addresses, infrastructure.
 */
import { describe, it } from 'vitest';
import { check } from './cases.js';
import { gatewayCases, classCases, listenerSetCases } from './tables/gateway.js';

describe('Gateway', () => it.each(gatewayCases)('$name', (c) => check('Gateway', c)));
describe('GatewayClass', () => it.each(classCases)('$name', (c) => check('GatewayClass', c)));
describe('ListenerSet', () => it.each(listenerSetCases)('$name', (c) => check('ListenerSet', c)));
