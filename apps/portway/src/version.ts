import { readFileSync } from 'node:fs';

/** Portway's version (from this package's package.json). */
export function portwayVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
