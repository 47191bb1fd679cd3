#!/usr/bin/env node
// The CLI runs the compiled JavaScript in dist/ (`npm run build`; `npm install` in a clone builds it too).
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('crossdock: not built yet: run `npm run build` (or `npm install`) first\n');
  process.exit(1);
}
await import(main.href);
