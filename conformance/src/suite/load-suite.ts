import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseManifests } from '../manifests/yaml-docs.js';
import type { ConformanceTest, FeaturesFile, GeneratedResourceSpec, Profile, Suite } from './types.js';

/**
 * Reads a suite folder: every `tests/*.json`, `features.json`, `base/manifests.yaml`,
 * `base/mesh-manifests.yaml` (optional) and `base/generated-resources.json`. Malformed files are
 * reported with their path; the tests' own manifests are read later, when the test runs.
 */
export async function loadSuite(dir: string): Promise<Suite> {
  const testsDir = join(dir, 'tests');
  let entries: string[];
  try {
    entries = await readdir(testsDir);
  } catch (e) {
    throw new Error(`suite folder ${dir}: cannot read ${testsDir}: ${(e as Error).message}`);
  }
  const tests: ConformanceTest[] = [];
  for (const f of entries.filter((e) => e.endsWith('.json')).sort()) {
    const t = await readJson<ConformanceTest>(join(testsDir, f));
    validateTest(t, join(testsDir, f));
    tests.push(t);
  }
  const features = await readJson<FeaturesFile>(join(dir, 'features.json'));
  if (typeof features.profiles !== 'object' || features.profiles === null) throw new Error(`${join(dir, 'features.json')}: "profiles" is missing`);
  const profiles: Profile[] = Object.entries(features.profiles).map(([name, p]) => ({ name, core: p.core ?? [], extended: p.extended ?? [] }));
  const basePath = join(dir, 'base', 'manifests.yaml');
  const baseManifests = parseManifests(await readText(basePath), basePath);
  const meshPath = join(dir, 'base', 'mesh-manifests.yaml');
  const meshText = await readText(meshPath).catch(() => '');
  const meshManifests = meshText ? parseManifests(meshText, meshPath) : [];
  const genPath = join(dir, 'base', 'generated-resources.json');
  const gen = await readJson<{ resources?: GeneratedResourceSpec[] }>(genPath);
  if (!Array.isArray(gen.resources)) throw new Error(`${genPath}: "resources" must be a list`);
  const generatedResources = [...gen.resources].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  return { dir, tests, features, profiles, baseManifests, meshManifests, generatedResources };
}

function validateTest(t: ConformanceTest, path: string): void {
  const problems: string[] = [];
  if (typeof t.name !== 'string' || t.name === '') problems.push('"name" must be a non-empty string');
  if (!Array.isArray(t.features)) problems.push('"features" must be a list');
  if (!Array.isArray(t.steps)) problems.push('"steps" must be a list');
  if (!Array.isArray(t.statusChecks)) problems.push('"statusChecks" must be a list');
  if (!Array.isArray(t.cases)) problems.push('"cases" must be a list');
  if (typeof t.manifests !== 'object' || t.manifests === null || !Array.isArray(t.manifests.files)) problems.push('"manifests.files" must be a list');
  if (problems.length > 0) throw new Error(`${path}: ${problems.join('; ')}`);
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
}

async function readJson<T>(path: string): Promise<T> {
  const text = await readText(path);
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${path}: invalid JSON: ${(e as Error).message}`);
  }
}
