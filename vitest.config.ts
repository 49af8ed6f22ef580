import { defineConfig } from 'vitest/config';
import { defaultServerConditions } from 'vite';

// Workspace packages export their TypeScript source under the "@portway/source" condition,
// so tests run against src/ without a build. End-to-end tests that spawn processes use dist/.
const conditions = ['@portway/source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['libs/*/src/**/*.test.ts', 'libs/*/test/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'conformance/src/**/*.test.ts', 'conformance/test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
