/**
 * `npm run bench -- <scenario> [options]`: runs one scenario from bench/scenarios/, prints its table
 * and writes bench/results/<scenario>-<time>.json with the machine's description.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import type { Scenario } from './lib/scenario.ts';
import { printTable } from './lib/table.ts';

const scenariosDir = new URL('./scenarios/', import.meta.url);
const resultsDir = new URL('./results/', import.meta.url);

async function loadScenarios(): Promise<Scenario[]> {
  const files = (await readdir(scenariosDir)).filter((f) => f.endsWith('.ts')).sort();
  return Promise.all(files.map(async (f) => ((await import(new URL(f, scenariosDir).href)) as { scenario: Scenario }).scenario));
}

const [name, ...args] = process.argv.slice(2);
const scenarios = await loadScenarios();
const scenario = scenarios.find((s) => s.name === name);
if (!scenario) {
  process.stderr.write(`${name ? `No scenario named ${name}. ` : ''}Usage: npm run bench -- <scenario> [options]\n`);
  for (const s of scenarios) process.stderr.write(`  ${s.name.padEnd(10)} ${s.description}  ${s.options ?? ''}\n`);
  process.exit(1);
}

const progress = (line: string) => process.stdout.write(`bench ${scenario.name}: ${line}\n`);
const startedAt = new Date();
const result = await scenario.run(args, progress).catch((error: unknown) => {
  // A bad option is the user's mistake: one line and the options, no stack.
  const code = (error as { code?: unknown }).code;
  if (error instanceof Error && (error instanceof RangeError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')))) {
    process.stderr.write(`bench ${scenario.name}: ${error.message}\n  options: ${scenario.options ?? 'none'}\n`);
    process.exit(1);
  }
  throw error;
});
process.stdout.write('\n');
printTable(result.rows);
process.stdout.write('\n');
for (const table of result.tables ?? []) {
  process.stdout.write(`${table.title}\n`);
  printTable(table.rows);
  process.stdout.write('\n');
}
for (const [key, value] of Object.entries(result.summary)) process.stdout.write(`${key}: ${value}\n`);

const cpu = cpus();
const record = {
  scenario: scenario.name,
  args,
  startedAt: startedAt.toISOString(),
  machine: { cores: cpu.length, model: cpu[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  rows: result.rows,
  tables: result.tables ?? [],
  summary: result.summary,
};
await mkdir(resultsDir, { recursive: true });
const stamp = `${startedAt.toISOString().slice(0, 19).replaceAll(':', '-')}Z`;
const file = new URL(`${scenario.name}-${stamp}.json`, resultsDir);
await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
process.stdout.write(`\nwritten to bench/results/${file.pathname.split('/').pop()}\n`);
process.exit(0);
