/**
 * Loading CustomResourceDefinitions from YAML files, and where the upstream CRDs of the project are
 * (`shared/crds` beside the repository: Gateway API v1.6.1, experimental channel, and MCS v0.5.0).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The folder of the shared upstream CRDs (`<repo>/../shared/crds`). */
export function sharedCrdsDir(): string {
  return fileURLToPath(new URL('../../../../../shared/crds', import.meta.url));
}

/** The CRD folders served by default: Gateway API v1.6.1 experimental (a superset of standard) and MCS v0.5.0, and Portway's own CRDs (`deploy/crds/portway.dev_*.yaml`), as a hub install has them. */
export function defaultCrdPaths(): string[] {
  const dir = sharedCrdsDir();
  const own = fileURLToPath(new URL('../../../../deploy/crds', import.meta.url));
  const ownFiles = existsSync(own) ? readdirSync(own).filter((f) => /^portway\.dev_.*\.yaml$/.test(f)).sort().map((f) => join(own, f)) : [];
  return [join(dir, 'gateway-api-v1.6.1', 'experimental'), join(dir, 'mcs-api-v0.5.0'), ...ownFiles];
}

/** Every CustomResourceDefinition in the given files or folders (`*.yaml`/`*.yml`/`*.json`, not recursive); other documents are skipped. */
export function loadCrds(paths: readonly string[]): Record<string, any>[] {
  const files = paths.flatMap((p) => {
    if (!existsSync(p)) throw new Error(`CRD path ${p} does not exist`);
    return statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => /\.(ya?ml|json)$/.test(f))
          .sort()
          .map((f) => join(p, f))
      : [p];
  });
  const crds: Record<string, any>[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      const v = doc.toJS() as Record<string, any> | null;
      if (v && v.kind === 'CustomResourceDefinition') crds.push(v);
    }
  }
  return crds;
}
