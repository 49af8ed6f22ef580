/**
 * Immutable IR values. The translator freezes what it builds, agents freeze what they decode,
 * and the costly functions of this package (`configHash`, `shardConfig`, `validateGatewayConfig`)
 * remember their results per frozen object (virtual host, backend, rule), so a config that shares
 * most of its parts with the previous one costs only what changed.
 *
 * The contract: an IR object that is frozen is deeply frozen (every object and array under it),
 * which `deepFreeze` guarantees. A shallowly frozen IR object would let the caches above serve
 * results for content that changed under it; nothing in Portway freezes IR any other way.
 */

/**
 * Freezes `value` and everything under it (plain objects and arrays), and returns it. Subtrees
 * that are already frozen are taken as deeply frozen and not walked again, so freezing a config
 * whose unchanged parts were frozen before costs only its new parts.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    for (const v of value) deepFreeze(v);
  } else {
    for (const k in value) if (Object.hasOwn(value, k)) deepFreeze((value as Record<string, unknown>)[k]);
  }
  return Object.freeze(value);
}

/** Whether results about `value` may be remembered: it is a frozen (hence deeply frozen) object. */
export function isImmutable(value: unknown): value is object {
  return value !== null && typeof value === 'object' && Object.isFrozen(value);
}
