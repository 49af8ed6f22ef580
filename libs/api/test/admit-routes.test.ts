/**
 * GRPCRoute, TLSRoute, TCPRoute and UDPRoute admission held to the upstream CRDs (v1.6.1 experimental).
 */
import { describe, it } from 'vitest';
import { check } from './cases.js';
import { grpc, tls, l4 } from './tables/routes.js';

describe('GRPCRoute', () => it.each(grpc)('$name', (c) => check('GRPCRoute', c)));
describe('TLSRoute', () => it.each(tls)('$name', (c) => check('TLSRoute', c)));
describe('TCPRoute', () => it.each(l4())('$name', (c) => check('TCPRoute', c)));
describe('UDPRoute', () => it.each(l4())('$name', (c) => check('UDPRoute', c)));
