import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artifactsSection } from './artifacts';
import { connectionsSection } from './connections';
import { consistencyCheckSection } from './consistency-check';
import { embeddedServerSection } from './embedded-server';
import { handlersSection } from './handlers';
import { listUsersSection } from './list-users';
import { passwordsSection } from './password';

/**
 * One measured figure: the median of several repeats with their min and max, and optionally the
 * baseline it is compared with (measured in the same run) and the ratio figure ÷ baseline.
 */
export interface BenchRow {
  metric: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  repeats: number;
  baseline?: { metric: string; median: number };
  ratio?: number;
}

export type BenchSection = () => Promise<BenchRow[]>;

/** Sections in the order they run. Each is a module exporting an async function that returns rows. */
const sections: Array<{ name: string; run: BenchSection }> = [
  { name: 'embedded server', run: embeddedServerSection },
  { name: 'handlers', run: handlersSection },
  { name: 'passwords', run: passwordsSection },
  { name: 'connections', run: connectionsSection },
  { name: 'listUsers', run: listUsersSection },
  { name: 'artifacts', run: artifactsSection },
  { name: 'consistency check', run: consistencyCheckSection },
];

function format(value: number): string {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(2);
}

function toMarkdown(name: string, rows: BenchRow[]): string {
  const lines = [
    `### ${name}`,
    '',
    '| metric | median | min | max | unit | baseline (median) | ratio |',
    '| --- | ---: | ---: | ---: | --- | --- | ---: |',
  ];
  for (const row of rows) {
    const baseline = row.baseline ? `${row.baseline.metric}: ${format(row.baseline.median)}` : '';
    const ratio = row.ratio === undefined ? '' : row.ratio.toFixed(3);
    lines.push(`| ${row.metric} | ${format(row.median)} | ${format(row.min)} | ${format(row.max)} | ${row.unit} | ${baseline} | ${ratio} |`);
  }
  return lines.join('\n');
}

/** Reads the sections of the previous results file, so that a run of some sections keeps the others. */
function readPreviousSections(path: string): Record<string, BenchRow[]> {
  if (!existsSync(path)) return {};
  try {
    const previous = JSON.parse(readFileSync(path, 'utf8')) as { sections?: Record<string, BenchRow[]> };
    return previous.sections ?? {};
  } catch {
    process.stderr.write(`bench: ${path} is not valid JSON, so the new file contains only this run's sections\n`);
    return {};
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !sections.some((section) => section.name === name));
  if (unknown.length > 0) {
    const names = sections.map((section) => `'${section.name}'`).join(', ');
    process.stderr.write(`bench: unknown section ${unknown.map((name) => `'${name}'`).join(', ')}. Sections: ${names}.\n`);
    process.exit(2);
  }

  const path = join(__dirname, 'results.json');
  const results = readPreviousSections(path);
  const ran: string[] = [];
  for (const section of sections) {
    if (only.length > 0 && !only.includes(section.name)) continue;
    process.stderr.write(`bench: running section '${section.name}'\n`);
    results[section.name] = await section.run();
    ran.push(section.name);
    process.stdout.write(`${toMarkdown(section.name, results[section.name]!)}\n\n`);
  }

  // `ran` names the sections this run measured. The others keep the figures of an earlier run.
  const output = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: (await import('node:os')).cpus().length,
    ran,
    sections: Object.fromEntries(sections.filter((section) => results[section.name]).map((section) => [section.name, results[section.name]])),
  };
  writeFileSync(path, `${JSON.stringify(output, null, 2)}\n`);
  process.stderr.write(`bench: wrote ${path}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
