// Scaffolds a workspace package: node scripts/new-package.mjs <dir> <name> <tags> [deps...]
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
const [dir, name, tags, ...deps] = process.argv.slice(2);
if (!dir || !name) throw new Error('usage: new-package.mjs <dir> <name> <tags> [workspace deps...]');
mkdirSync(join(dir, 'src'), { recursive: true });
const pkg = {
  name,
  version: '0.1.0',
  private: true,
  type: 'module',
  exports: {
    '.': { '@portway/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
  },
  scripts: { build: 'tsc -b' },
  dependencies: Object.fromEntries(deps.map((d) => [d, '*'])),
  nx: { tags: tags ? tags.split(',') : [] },
};
writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
const refs = deps.filter((d) => d.startsWith('@portway/')).map((d) => ({ path: `../../libs/${d.slice('@portway/'.length)}` }));
writeFileSync(
  join(dir, 'tsconfig.json'),
  JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/.tsbuildinfo' },
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts', 'src/**/__fixtures__/**'],
      references: refs,
    },
    null,
    2,
  ) + '\n',
);
if (!existsSync(join(dir, 'src/index.ts'))) writeFileSync(join(dir, 'src/index.ts'), 'export {};\n');
