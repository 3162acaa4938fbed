import type { CommandStartedEvent, Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as listUsersHandler } from '../../functions/listUsers';
import { runConsistencyCheck } from '../../lib/consistency';
import { setCommandStartedListener } from '../../lib/mongo-client';
import { USERS_COLLECTION } from '../../lib/users';
import { invoke } from '../helpers/http-events';
import { logInAs, makeStaff, signUp, useTestDatabase } from '../helpers/service';

/*
 * On mongod an index provides a sort only when it has the query's collation. These tests check the
 * find command that a GET /users page sends and the indexes the service creates.
 * NOTE: the embedded server has no `explain` command, so no test here reads the plan mongod chooses.
 */

const database = useTestDatabase('listing_indexes');

const commands: CommandStartedEvent[] = [];
// Set before the first handler call, which creates the container's MongoClient.
setCommandStartedListener((event) => commands.push(event));
afterAll(() => setCommandStartedListener(undefined));

const USERNAME_ID_INDEX = 'username_id_case_insensitive';
const SIMPLE_ORDERINGS = ['id', '-id', 'date_joined', '-date_joined', 'last_login', '-last_login'];
const USERNAME_ORDERINGS = ['username', '-username'];

let staffToken: string;

beforeAll(async () => {
  const staff = await signUp({ username: 'staffer' });
  await makeStaff(await database.db(), staff.id);
  for (const username of ['alpha', 'Bravo', 'charlie', 'Delta']) await signUp({ username });
  staffToken = await logInAs('staffer');
});

function listUsers(query: Record<string, string>) {
  return invoke(listUsersHandler, { method: 'GET', path: '/users', query, token: staffToken });
}

/** Requests a first page and the page after it, and returns the find commands that read those pages. */
async function pageCommands(ordering: string): Promise<Document[]> {
  commands.length = 0;
  const first = await listUsers({ ordering, limit: '2' });
  expect(first.statusCode).toBe(200);
  const second = await listUsers({ ordering, limit: '2', cursor: first.body.next_cursor });
  expect(second.statusCode).toBe(200);

  // Authentication reads the caller by `{ id }`, so only the page query has an `$and` filter.
  return commands
    .filter((event) => event.commandName === 'find' && event.command.find === USERS_COLLECTION && '$and' in (event.command.filter ?? {}))
    .map((event) => event.command);
}

/** Returns the locale and strength of a command's or an index's collation, undefined for the simple one. */
function collationOf(document: Document): { locale: string; strength: number } | undefined {
  const collation = document.collation as Document | undefined;
  if (!collation || collation.locale === 'simple') return undefined;
  return { locale: collation.locale as string, strength: collation.strength as number };
}

/** Returns a find command's sort as [field, direction] pairs in key order, which decides the sort. */
function sortOf(command: Document | undefined): Array<[string, number]> {
  // The driver sends the sort as a Map, which keeps its key order.
  const sort: unknown = command?.sort;
  return sort instanceof Map ? [...(sort as Map<string, number>).entries()] : Object.entries((sort ?? {}) as Record<string, number>);
}

async function listIndexes(): Promise<Document[]> {
  return (await database.db()).collection(USERS_COLLECTION).listIndexes().toArray();
}

describe('GET /users page queries', () => {
  it.each(SIMPLE_ORDERINGS)('sends %s pages without a collation', async (ordering) => {
    const field = ordering.replace(/^-/, '');
    const direction = ordering.startsWith('-') ? -1 : 1;

    const pages = await pageCommands(ordering);

    expect(pages).toHaveLength(2);
    for (const command of pages) {
      expect(command.collation).toBeUndefined();
      expect(sortOf(command)).toEqual(field === 'id' ? [['id', direction]] : [[field, direction], ['id', direction]]);
    }
  });

  it.each(USERNAME_ORDERINGS)('sends %s pages with the case-insensitive collation', async (ordering) => {
    const direction = ordering.startsWith('-') ? -1 : 1;

    const pages = await pageCommands(ordering);

    expect(pages).toHaveLength(2);
    for (const command of pages) {
      expect(command.collation).toEqual({ locale: 'en', strength: 2 });
      expect(sortOf(command)).toEqual([['username', direction], ['id', direction]]);
    }
  });

  it('orders usernames ignoring letter case', async () => {
    const response = await listUsers({ ordering: 'username', limit: '10' });

    expect(response.statusCode).toBe(200);
    expect(response.body.items.map((user: { username: string }) => user.username)).toEqual(['alpha', 'Bravo', 'charlie', 'Delta', 'staffer']);
  });

  it('finds q in any letter case without a collation', async () => {
    commands.length = 0;

    const response = await listUsers({ q: 'BRAVO', ordering: 'id' });

    expect(response.body.items.map((user: { username: string }) => user.username)).toEqual(['Bravo']);
    const page = commands.find((event) => event.commandName === 'find' && '$and' in (event.command.filter ?? {}));
    expect(page?.command.collation).toBeUndefined();
  });
});

describe('user indexes', () => {
  it('include username_id with the case-insensitive collation', async () => {
    const index = (await listIndexes()).find((candidate) => candidate.name === USERNAME_ID_INDEX);

    expect(index?.key).toEqual({ username: 1, id: 1 });
    expect(collationOf(index ?? {})).toEqual({ locale: 'en', strength: 2 });
    expect(index?.unique).toBeUndefined();
  });

  it.each([...SIMPLE_ORDERINGS, ...USERNAME_ORDERINGS])('serve the %s sort under its collation', async (ordering) => {
    const [command] = await pageCommands(ordering);
    // An index scanned backwards serves the descending sort, so the ascending key is the one to find.
    const ascendingKey = Object.fromEntries(sortOf(command).map(([field]) => [field, 1]));

    const matching = (await listIndexes()).filter((index) => JSON.stringify(index.key) === JSON.stringify(ascendingKey));

    expect(matching.map((index) => collationOf(index))).toContainEqual(collationOf(command ?? {}));
  });
});

describe('consistency check', () => {
  it('reports and rebuilds a simple-collation username_id', async () => {
    const users = (await database.db()).collection(USERS_COLLECTION);
    await users.dropIndex(USERNAME_ID_INDEX);
    await users.createIndex({ username: 1, id: 1 }, { name: 'username_id_simple' });

    const before = await runConsistencyCheck();
    await runConsistencyCheck({ repair: true });
    const after = await runConsistencyCheck();

    expect(before.report.findings.missing_index.sample_ids).toContain(`${USERS_COLLECTION}.${USERNAME_ID_INDEX}`);
    expect(after.report.findings.missing_index.count).toBe(0);
    expect((await listIndexes()).map((index) => index.name)).toContain(USERNAME_ID_INDEX);
  });
});
