// Checks module boundaries (see scripts/boundaries.json): which workspace package may import
// which, that every import of a workspace or npm package is declared in package.json, and that
// the pure core (type:pure) imports no I/O and reads no clock, randomness or environment.
// Exits 1 listing every violation.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { builtinModules } from 'node:module';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const rules = JSON.parse(readFileSync(join(root, 'scripts/boundaries.json'), 'utf8'));
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const packageDirs = rootPkg.workspaces.flatMap((w) =>
  w.endsWith('/*') ? readdirSync(join(root, w.slice(0, -2))).map((d) => join(w.slice(0, -2), d)) : [w],
).filter((d) => existsSync(join(root, d, 'package.json')));

const packages = new Map();
for (const dir of packageDirs) {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  packages.set(pkg.name, { dir, pkg, tags: pkg.nx?.tags ?? [] });
}

const scopeOf = (tags) => tags.find((t) => t.startsWith('scope:'));
const matches = (spec, pattern) => (pattern.endsWith('/*') ? spec.startsWith(pattern.slice(0, -1)) : spec === pattern);
const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) continue;
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) yield* sourceFiles(p);
    else if (/\.(ts|mts|js|mjs)$/.test(entry) && !entry.endsWith('.d.ts')) yield p;
  }
}

const violations = [];
for (const [name, { dir, pkg, tags }] of packages) {
  const scope = scopeOf(tags);
  if (!scope) { violations.push(`${name}: no scope:* tag in package.json nx.tags`); continue; }
  const allowedScopes = rules.depConstraints[scope];
  if (!allowedScopes) { violations.push(`${name}: scope ${scope} has no entry in scripts/boundaries.json`); continue; }
  const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {}), ...Object.keys(rootPkg.devDependencies ?? {})]);
  const pure = tags.includes('type:pure');
  for (const dirName of ['src', 'test']) {
    const base = join(root, dir, dirName);
    if (!existsSync(base)) continue;
    for (const file of sourceFiles(base)) {
      const rel = relative(root, file);
      const isTest = /\.test\.ts$/.test(file) || dirName === 'test';
      const text = readFileSync(file, 'utf8');
      const imports = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
      for (const spec of imports) {
        if (spec.startsWith('.') || spec.startsWith('/')) continue;
        const bare = spec.startsWith('node:') ? spec : packageName(spec);
        const builtin = spec.startsWith('node:') || builtinModules.includes(bare);
        if (!builtin && !declared.has(bare)) violations.push(`${rel}: imports "${bare}", which ${name}'s package.json does not declare`);
        const target = packages.get(bare);
        if (target && target.pkg.name !== name && !isTest) {
          const targetScope = scopeOf(target.tags);
          if (!allowedScopes.includes(targetScope)) violations.push(`${rel}: ${scope} may not import ${bare} (${targetScope})`);
        }
        if (pure && !isTest && rules.pureBannedModules.some((p) => matches(spec, p) || matches(bare, p))) {
          violations.push(`${rel}: the pure core may not import "${spec}"`);
        }
      }
      if (pure && !isTest) {
        for (const g of rules.pureBannedGlobals) if (text.includes(g)) violations.push(`${rel}: the pure core may not use ${g.replace('(', '')}`);
      }
    }
  }
}

if (violations.length) {
  console.error(`module boundaries: ${violations.length} violation(s)`);
  for (const v of violations) console.error(`  ${v}`);
  process.exit(1);
}
console.log(`module boundaries: ${packages.size} packages checked, no violations`);
