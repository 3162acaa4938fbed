import { MongoServerError } from 'mongodb';
import { expect } from 'vitest';

import type { Logger } from '../logger';

/** Creates a logger that keeps every message, so tests can assert on warnings. */
export function createCapturingLogger(): Logger & { messages: Array<{ level: string; message: string; fields?: Record<string, unknown> }> } {
  const messages: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const capture = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    messages.push({ level, message, fields });
  };
  return { messages, debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') };
}

/** Polls `check` every 20 ms until it returns true, failing after `attempts` tries. */
export async function waitFor(check: () => Promise<boolean>, description: string, attempts = 250): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`condition not reached: ${description}`);
}

/** Awaits a driver call that must fail, checks that the server rejected it, and returns the error. */
export async function rejection(promise: Promise<unknown>): Promise<MongoServerError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MongoServerError);
  return error as MongoServerError;
}
