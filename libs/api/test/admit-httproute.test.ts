/**
 * HTTPRoute admission held to the upstream CRD (v1.6.1 experimental): limits on rules and matches
 * (per rule and, by CEL, in all), paths, weights, hostnames, parentRefs, and the filter rules.
 */
import { describe, it } from 'vitest';
import { check } from './cases.js';
import { cases } from './tables/httproute.js';

describe('HTTPRoute', () => it.each(cases)('$name', (c) => check('HTTPRoute', c)));
