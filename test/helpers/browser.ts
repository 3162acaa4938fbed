import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium package; the browser tests use it instead of a browser build of Playwright's own. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const INSTALL_COMMAND = 'sudo apt-get update && sudo apt-get install -y chromium';

const PROJECT_ROOT = join(__dirname, '..', '..');
const RESULTS_DIRECTORY = join(PROJECT_ROOT, 'test-results', 'browser');
const DOCS_DIRECTORY = join(PROJECT_ROOT, 'docs', 'screenshots');

export type BrowserAvailability = { run: true } | { run: false; required: boolean; message: string };

/**
 * Tells whether the browser tests can run. Without chromium they are skipped with a warning on a
 * developer machine, but REQUIRE_BROWSER_TESTS=1 (set by .ci/run) turns the skip into a failure.
 */
export function checkBrowserAvailability(): BrowserAvailability {
  if (existsSync(CHROMIUM_PATH)) return { run: true };
  const required = process.env.REQUIRE_BROWSER_TESTS === '1';
  const message =
    `Chromium was not found at ${CHROMIUM_PATH}, so the browser tests of the pages ${required ? 'cannot run' : 'are SKIPPED'}. ` +
    `Install it with: ${INSTALL_COMMAND}` +
    (required ? ' (REQUIRE_BROWSER_TESTS=1 is set, so this is a failure).' : ' (set REQUIRE_BROWSER_TESTS=1 to make this a failure).');
  return { run: false, required, message };
}

/** Prints a message between two rules of exclamation marks, so it is hard to miss in the test output. */
export function printBanner(message: string): void {
  const rule = '!'.repeat(100);
  console.warn(`\n${rule}\n${message}\n${rule}\n`);
}

/**
 * Starts headless chromium. Each launch gets a new temporary profile from Playwright, and the flags
 * turn off chromium's own background requests (component updates, sync), which would try to leave
 * the machine.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Saves a screenshot under test-results/browser/. With UPDATE_SCREENSHOTS=1 and a `docsName`, also
 * copies it to docs/screenshots/, where the README's pictures are kept.
 */
export async function saveScreenshot(page: Page, name: string, docsName?: string): Promise<void> {
  await mkdir(RESULTS_DIRECTORY, { recursive: true });
  const path = join(RESULTS_DIRECTORY, `${name}.png`);
  // Moves the pointer off the page, so no button is drawn in its hover colour.
  await page.mouse.move(0, 0);
  await page.screenshot({ path, fullPage: true });

  if (docsName && process.env.UPDATE_SCREENSHOTS === '1') {
    await mkdir(DOCS_DIRECTORY, { recursive: true });
    await copyFile(path, join(DOCS_DIRECTORY, `${docsName}.png`));
  }
}
