// `npm run test:mutation [-- group...]`: mutates each module group in a Stryker run of its own, then
// prints the score of each group, leaving out the mutants listed in equivalent-mutants.md.
// `npm run test:mutation -- --mutate <file>...` mutates only those files (the files a change touches);
// `npm run test:mutation -- <group> --mutate <file>...` does so within a group, its tests and its
// incremental file (which keeps the results of the group's other files).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { groups } from './stryker.config.mjs';

// `report` prints the table of the last runs without running Stryker.
const args = process.argv.slice(2);
const reportOnly = args.includes('report');
const options = args.filter((arg) => !(arg in groups) && arg !== 'report');
const named = args.filter((arg) => arg in groups);
const chosen = options.some((arg) => arg.startsWith('--mutate')) && named.length === 0 ? ['files'] : named;
const run = reportOnly ? [] : chosen.length > 0 ? chosen : Object.keys(groups);

/** The score each group is held to, in percent of the mutants that are not equivalent. */
const goal = 90;
let failed = false;
for (const group of run) {
  const started = Date.now();
  const result = spawnSync('npx', ['stryker', 'run', 'mutation/stryker.config.mjs', ...options], {
    stdio: 'inherit',
    env: { ...process.env, BATON_MUTATION_GROUP: group },
  });
  console.log(`${group}: Stryker finished in ${Math.round((Date.now() - started) / 1000)} s`);
  failed ||= result.status !== 0;
}

const equivalents = readEquivalents(new URL('./equivalent-mutants.md', import.meta.url));
console.log('\n| module group | mutants | killed | survived | equivalent | score |');
console.log('|---|---|---|---|---|---|');
for (const group of [...Object.keys(groups), 'files']) {
  const file = `reports/mutation/${group.replace(/[^a-z0-9-]+/g, '-')}.json`;
  if (!existsSync(file) || (group === 'files' && !run.includes('files'))) continue;
  const row = score(JSON.parse(readFileSync(file, 'utf8')), equivalents);
  const percent = (100 * row.killed) / Math.max(1, row.killed + row.survived);
  const mark = percent < goal ? ` (below ${goal}%)` : '';
  console.log(
    `| ${group} | ${row.total} | ${row.killed} | ${row.survived} | ${row.equivalent} | ${percent.toFixed(1)}%${mark} |`,
  );
  failed ||= run.includes(group) && percent < goal;
}
process.exitCode = failed ? 1 : 0;

/** Rows of the equivalent-mutants table: file, mutator, original code, replacement, reason. */
function readEquivalents(url) {
  return readFileSync(url, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| src/'))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => unquote(cell.trim().replaceAll('\\|', '|'))),
    )
    .map(([file, mutator, original, replacement]) => ({ file, mutator, original, replacement }));
}

function unquote(cell) {
  return cell.startsWith('`') && cell.endsWith('`') ? cell.slice(1, -1) : cell;
}

function squash(text) {
  return text.replace(/\s+/g, ' ').trim();
}

/** Killed (or timed out) against survived (or not covered), equivalent survivors left out. */
function score(report, equivalents) {
  const row = { total: 0, killed: 0, survived: 0, equivalent: 0 };
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const lines = source.split('\n');
    for (const mutant of mutants) {
      if (!['Killed', 'Timeout', 'Survived', 'NoCoverage'].includes(mutant.status)) continue;
      row.total++;
      if (mutant.status === 'Killed' || mutant.status === 'Timeout') {
        row.killed++;
        continue;
      }
      // An entry names the mutated code, with as much of its line around it as tells it apart.
      const span = squash(textAt(lines, mutant.location));
      const line = squash(lines.slice(mutant.location.start.line - 1, mutant.location.end.line).join(' '));
      const equivalent = equivalents.some(
        (entry) =>
          file.endsWith(entry.file) &&
          entry.mutator === mutant.mutatorName &&
          squash(entry.original).includes(span) &&
          line.includes(squash(entry.original)) &&
          squash(entry.replacement) === squash(mutant.replacement ?? ''),
      );
      if (equivalent) row.equivalent++;
      else row.survived++;
    }
  }
  return row;
}

function textAt(lines, { start, end }) {
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  const middle = lines.slice(start.line, end.line - 1);
  return [
    lines[start.line - 1].slice(start.column - 1),
    ...middle,
    lines[end.line - 1].slice(0, end.column - 1),
  ].join('\n');
}
