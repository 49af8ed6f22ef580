import { formatManifestError, parseManifests } from '@portway/api';
import type { Decode } from '@portway/provider-file';

/** The file provider's decoder: YAML → admitted objects (validated and defaulted as an API server would). */
export const decodeManifests: Decode = (text, file) => {
  const r = parseManifests(text, file);
  return { objects: r.objects.map((o) => ({ object: o.object, index: o.index })), errors: r.errors };
};

export { formatManifestError };
