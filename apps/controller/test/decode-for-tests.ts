import { parseManifests } from '@portway/api';
import type { Decode } from '@portway/provider-file';

/** The production decoder (admission as an API server does it), shaped for the file provider. */
export const decodeForTests: Decode = (text, file) => {
  const r = parseManifests(text, file);
  return { objects: r.objects.map((o) => ({ object: o.object, index: o.index })), errors: r.errors };
};
