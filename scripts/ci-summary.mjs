// Prints "tests: N passed, N failed" from reports/vitest.json (plus the conformance report's
// tests, when it exists). Exits 1 when a report is missing or anything failed.
import { readFileSync, existsSync } from 'node:fs';

let passed = 0;
let failed = 0;
if (!existsSync('reports/vitest.json')) {
  console.log('tests: 0 passed, 1 failed (no vitest report: the suite did not run)');
  process.exit(1);
}
const vitest = JSON.parse(readFileSync('reports/vitest.json', 'utf8'));
passed += vitest.numPassedTests;
failed += vitest.numFailedTests;
// A file that fails to load counts as a failure even though it reports no test.
failed += (vitest.testResults ?? []).filter((r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0).length;
if (existsSync('reports/conformance.json')) {
  const c = JSON.parse(readFileSync('reports/conformance.json', 'utf8'));
  passed += c.summary?.passed ?? 0;
  failed += c.summary?.failed ?? 0;
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
