#!/usr/bin/env node
/**
 * `npm run build` (and `prepare`, so `npm install` in a clone builds): compiles src/ and adapters/ to dist/ with
 * declarations (tsc, tsconfig.build.json), then copies the SDL files the code reads at run time next to the
 * compiled modules, so `new URL('../../schema/', import.meta.url)` and each adapter's
 * `new URL('./schema.graphql', import.meta.url)` resolve the same from dist/ as from the sources.
 * The dashboard's pages (src/dashboard/public: plain files, no build) are copied the same way.
 * tsc copies no assets and the copy is three fs.cpSync calls, so no copy tool is added for it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

// A clean dist/ every time: a module deleted from the sources must not linger in the package.
rmSync('dist', { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

cpSync('schema', 'dist/schema', {
  recursive: true,
  filter: (src) => statSync(src).isDirectory() || src.endsWith('.graphql'),
});
cpSync('adapters', 'dist/adapters', {
  recursive: true,
  // Only the SDL beside each adapter: fixtures and test inputs are not part of the package.
  filter: (src) => (statSync(src).isDirectory() ? !src.endsWith('fixtures') : src.endsWith('.graphql')),
});
cpSync('src/dashboard/public', 'dist/src/dashboard/public', { recursive: true });
