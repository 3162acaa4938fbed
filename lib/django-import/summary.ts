import { USERNAME_INDEX } from '../users';
import type { ImportSummary, SkippedGroup } from './index';
import { SKIP_REASON_DESCRIPTIONS, type SkipReason } from './records';

const number = (value: number) => value.toLocaleString('en');
const counted = (value: number, noun: string) => `${number(value)} ${noun}${value === 1 ? '' : 's'}`;

/** Formats an import summary for a terminal: the counts, each skipped record kept, and indexes left unbuilt. */
export function formatImportSummary(summary: ImportSummary, file: string): string {
  const width = Math.max(...[summary.imported, summary.unchanged, summary.updated, summary.skipped].map((count) => number(count).length));
  const count = (label: string, value: number) => `  ${label.padEnd(10)}${number(value).padStart(width)}`;
  const lines = [
    `${summary.interrupted ? 'Import stopped early' : 'Import finished'}: ${file === '-' ? 'standard input' : file}, ${counted(summary.records, 'record')} read`,
    count('imported', summary.imported),
    count('unchanged', summary.unchanged),
    count('updated', summary.updated),
    count('skipped', summary.skipped),
  ];

  for (const [reason, group] of Object.entries(summary.skippedByReason) as [SkipReason, SkippedGroup][]) {
    lines.push('', `Skipped, ${SKIP_REASON_DESCRIPTIONS[reason]}: ${number(group.count)}`);
    for (const skipped of group.examples) {
      const who = skipped.pk === undefined ? `element ${skipped.position}` : `pk ${skipped.pk}${skipped.username === undefined ? '' : ` ${JSON.stringify(skipped.username)}`}`;
      lines.push(`  ${who}: ${skipped.detail}`);
    }
    if (group.count > group.examples.length) lines.push(`  and ${number(group.count - group.examples.length)} more`);
  }

  if (summary.authUserInserted !== null) {
    lines.push('', `AUTH_USER_MIRROR is on: ${counted(summary.authUserInserted, 'user')} missing from auth_user copied there; existing auth_user documents left as they are.`);
  }
  if (summary.droppedUsernameIndex) lines.push('', `Dropped index ${USERNAME_INDEX} before loading (--allow-case-variants).`);
  if (summary.failedIndexes.length > 0) {
    const usernameIndex = summary.failedIndexes.includes(USERNAME_INDEX)
      ? ' Usernames that differ only in letter case were kept, so case-insensitive username uniqueness is not enforced by the database until they are renamed.'
      : '';
    lines.push('', `Indexes not built: ${summary.failedIndexes.join(', ')}.${usernameIndex} See docs/MIGRATION.md.`);
  }
  if (summary.interrupted) lines.push('', 'Run the same command again to finish: records already imported are found unchanged.');
  return `${lines.join('\n')}\n`;
}
