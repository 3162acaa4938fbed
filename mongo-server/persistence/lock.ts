import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger';

export const LOCK_FILE = 'mongo-server.lock';

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<dbPath>/mongo-server.lock`, which contains the owner's process id, so that two servers
 * never append to one journal. A lock left by a process that no longer runs (after SIGKILL) is taken
 * over with a warning. Returns a function that releases the lock.
 */
export function acquireDirectoryLock(dbPath: string, logger: Logger): () => void {
  const path = join(dbPath, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
    if (Number.isInteger(owner) && (owner === process.pid || isProcessAlive(owner))) {
      throw new Error(`dbPath ${dbPath} is in use by process ${owner}: stop that server or choose another --dbpath`);
    }
    logger.warn('taking over a stale lock left by a server that did not stop cleanly', { path, owner });
    rmSync(path, { force: true });
  }
  throw new Error(`could not lock dbPath ${dbPath}: ${path} keeps reappearing`);
}
