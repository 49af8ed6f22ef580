#!/usr/bin/env node
// The echo backend CLI; run `npm run build` (tsc -b) first.
import '../dist/main.js';
