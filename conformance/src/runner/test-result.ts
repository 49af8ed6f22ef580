/** The outcome of one test. */
export interface TestResult {
  name: string;
  result: 'passed' | 'failed' | 'skipped';
  /** Why it was skipped. */
  skipReason?: string;
  /** What failed (status checks, cases, setup, cleanup), in order. */
  failures: string[];
  /** Remarks (a test body that returned at once, slow loads...). */
  notes: string[];
  durationMs: number;
}
