import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import workspace from '../vitest.config.js';

// The workspace config (source conditions, pool, timeouts) with bench's own tests only:
// `npx vitest run --config bench/vitest.config.ts`.
export default defineConfig({
  ...workspace,
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: { ...workspace.test, include: ['bench/test/**/*.test.ts'] },
});
