/**
 * `npm run mutate [-- group...]`: StrykerJS over each mutation group of stryker.config.mjs in turn (all of them
 * by default), so one run never mutates more than one group's modules. Not part of `npm test` or CI: it takes
 * minutes per group. Exits non-zero if a group's run fails.
 */
import { spawnSync } from 'node:child_process';
import { GROUPS } from './mutation-groups.mjs';

const asked = process.argv.slice(2);
const unknown = asked.filter((g) => !(g in GROUPS));
if (unknown.length) {
  console.error(`unknown mutation group(s) ${unknown.join(', ')}; known: ${Object.keys(GROUPS).join(', ')}`);
  process.exit(2);
}
for (const group of asked.length ? asked : Object.keys(GROUPS)) {
  console.log(`\n== mutation group: ${group}`);
  const run = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], {
    stdio: 'inherit',
    env: { ...process.env, MUTATE_GROUP: group },
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
