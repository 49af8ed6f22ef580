/**
 * ReferenceGrant, BackendTLSPolicy, XBackendTrafficPolicy, ServiceImport and ServiceExport admission
 * held to the upstream CRDs (Gateway API v1.6.1 experimental, MCS v0.5.0).
 */
import { describe, it } from 'vitest';
import { check } from './cases.js';
import { grant, btls, btp, imports } from './tables/policies.js';

describe('ReferenceGrant', () => it.each(grant)('$name', (c) => check('ReferenceGrant', c)));
describe('BackendTLSPolicy', () => it.each(btls)('$name', (c) => check('BackendTLSPolicy', c)));
describe('XBackendTrafficPolicy', () => it.each(btp)('$name', (c) => check('XBackendTrafficPolicy', c)));
describe('ServiceImport', () => it.each(imports)('$name', (c) => check('ServiceImport', c)));
describe('ServiceExport', () => it('the valid export is admitted', () => check('ServiceExport', { name: 'valid', change: () => {}, errors: [] })));
