/**
 * The agent's disk cache of the configs it applied: one JSON file per cluster in `--cache-dir`,
 * replaced atomically (written to a temporary file in the same folder, flushed, then renamed over
 * the old one), so a crash mid-write leaves the previous cache whole. An agent that restarts while
 * its spoke is cut off from the hub serves what this file holds.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigEntry } from '@portway/bus';

/** What the file holds. */
export interface CachedConfigs {
  /** Format of the file. */
  version: 1;
  cluster: string;
  /** When the file was written (RFC 3339). */
  savedAt: string;
  entries: ConfigEntry[];
}

export class ConfigCache {
  private writes = 0;

  constructor(private readonly dir: string) {}

  /** The file of `cluster`'s configs. */
  file(cluster: string): string {
    return join(this.dir, `configs-${encodeURIComponent(cluster || '_')}.json`);
  }

  /** Replaces the cached configs of `cluster` (atomically). */
  async save(cluster: string, entries: readonly ConfigEntry[], now = new Date()): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const body: CachedConfigs = { version: 1, cluster, savedAt: now.toISOString(), entries: [...entries] };
    const target = this.file(cluster);
    const tmp = `${target}.${process.pid}.${++this.writes}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(body));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(tmp, target);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /**
   * The cached configs of `cluster`, or undefined when there is no cache. A file that cannot be
   * read as a cache of this cluster is an error (with the file's name), not an empty cache.
   */
  async load(cluster: string): Promise<CachedConfigs | undefined> {
    const file = this.file(cluster);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read the config cache ${file}: ${(e as Error).message}`);
    }
    let body: CachedConfigs;
    try {
      body = JSON.parse(text) as CachedConfigs;
    } catch (e) {
      throw new Error(`config cache ${file} is not JSON: ${(e as Error).message}`);
    }
    if (body?.version !== 1 || body.cluster !== cluster || !Array.isArray(body.entries)) throw new Error(`config cache ${file} is not a version 1 cache of cluster "${cluster}"`);
    for (const [i, e] of body.entries.entries()) {
      if (typeof e?.key?.namespace !== 'string' || typeof e.key.name !== 'string' || typeof e.revision !== 'number' || typeof e.hash !== 'string' || typeof e.config !== 'object' || e.config === null) {
        throw new Error(`config cache ${file}: entry ${i} is not a config entry`);
      }
    }
    return body;
  }
}
