import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { USERS_COLLECTION } from '../../lib/users';
import { checkBrowserAvailability, launchChromium, printBanner, saveScreenshot } from '../helpers/browser';
import { startOffline, type OfflineServer } from '../helpers/offline';
import { makeStaff, signUp, STRONG_PASSWORD, TEST_JWT_SECRET, useTestDatabase } from '../helpers/service';

// The callbacks given to page.evaluate run inside chromium. The project compiles without the DOM
// library, so that no Node code can use browser globals, and declares here the little they need.
declare const sessionStorage: { getItem(key: string): string | null };
declare const document: { activeElement: { id: string } | null; getElementById(id: string): object | null };
type FormControl = { id: string; labels: ArrayLike<unknown> | null; getAttribute(name: string): string | null };

const database = useTestDatabase('browser');
const availability = checkBrowserAvailability();

// A zone far from UTC, so a date shown in UTC instead of the reader's time would differ.
const READER_TIME_ZONE = 'Pacific/Auckland';
const TOKEN_KEY = 'attendance.accessToken';
const PUPIL_COUNT = 12;
// Each step goes through serverless-offline, which is slow when other suites load the machine.
const STEP_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 180_000;

if (!availability.run) {
  printBanner(availability.message);
  if (availability.required) {
    describe('account pages in chromium', () => {
      it('finds chromium', () => {
        throw new Error(availability.message);
      });
    });
  }
}

describe.runIf(availability.run)('account pages in chromium', { timeout: TEST_TIMEOUT_MS }, () => {
  let server: OfflineServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let requests: Request[];
  let pageErrors: string[];

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startOffline({
        MONGODB_DB: database.name,
        JWT_SECRET: TEST_JWT_SECRET,
        BCRYPT_ROUNDS: '4',
        LOG_LEVEL: 'WARN',
        // A handler starved of CPU by other suites would otherwise hit the 10 s function timeout.
        OFFLINE_NO_TIMEOUT: 'true',
      }),
      launchChromium(),
    ]);
    for (let number = 1; number <= PUPIL_COUNT; number += 1) {
      await signUp({ username: `pupil${String(number).padStart(2, '0')}`, first_name: 'Pupil', last_name: String(number) });
    }
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  beforeEach(async () => {
    // The server's own log usually tells why a step timed out.
    onTestFailed(() => console.error(`serverless-offline output, last 4000 characters:\n${server.output().slice(-4000)}`));
    context = await browser.newContext({
      baseURL: server.baseUrl,
      locale: 'en-GB',
      timezoneId: READER_TIME_ZONE,
      viewport: { width: 1200, height: 800 },
    });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    page = await context.newPage();
    requests = [];
    pageErrors = [];
    page.on('request', (request) => requests.push(request));
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) pageErrors.push(message.text());
    });
  });

  afterEach(async () => {
    await context.close();
    expect(pageErrors).toEqual([]);
    for (const request of requests) expect(request.url().startsWith(`${server.baseUrl}/`), request.url()).toBe(true);
  });

  it('signs up, logs in, lists, searches, pages and logs out', async () => {
    await page.goto('/admin/users');
    await page.waitForURL('**/login?next=%2Fadmin%2Fusers');
    expect(await page.textContent('#status')).toBe('Log in to continue.');

    await page.goto('/signup');
    await expectAccessibleForm(page);
    await page.fill('#username', 'ada');
    await page.fill('#email', 'ada@example.com');
    await page.fill('#password', STRONG_PASSWORD);
    await page.fill('#first_name', 'Ada');
    await page.fill('#last_name', 'Lovelace');
    await page.click('button[type="submit"]');

    await page.waitForURL('**/login?signed_up=ada');
    expect(await page.textContent('#status')).toBe('Your account has been created. Log in to continue.');
    expect(await page.inputValue('#identifier')).toBe('ada');
    await expectAccessibleForm(page);
    await saveScreenshot(page, 'login', 'login');
    await page.fill('#password', STRONG_PASSWORD);
    await page.click('#login-form button[type="submit"]');

    await page.waitForSelector('#session:not([hidden]), #form-error:not(:empty)');
    expect(await page.textContent('#form-error')).toBe('');
    expect(await page.textContent('#session-username')).toBe('ada');
    const token = await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY);
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    await page.goto('/admin/users');
    await page.waitForSelector('#not-allowed:not([hidden])');
    expect(await page.textContent('#not-allowed h2')).toBe('You are not allowed to see this page');
    expect(await page.textContent('#not-allowed-message')).toBe('Only staff members may list users.');
    expect(await page.isHidden('#user-admin')).toBe(true);
    await saveScreenshot(page, 'admin-users-not-allowed');

    const ada = await (await database.db()).collection(USERS_COLLECTION).findOne({ username: 'ada' });
    await makeStaff(await database.db(), ada!.id as number);
    await page.reload();
    await page.waitForSelector('#user-admin:not([hidden])');
    await expectAccessibleForm(page);
    expect(await page.textContent('#session-username')).toBe('Logged in as ada');
    expect(await usernamesShown(page)).toHaveLength(PUPIL_COUNT + 1);
    expect(await page.textContent('#result-summary')).toBe(`Page 1: ${PUPIL_COUNT + 1} users.`);

    await page.fill('#q', 'PUPIL');
    await page.selectOption('#limit', '10');
    await clickAndWaitForList(page, 'button[type="submit"]');
    expect(await usernamesShown(page)).toEqual(pupilNames(1, 10));
    expect(await page.textContent('#result-summary')).toBe('Page 1: 10 users. More users follow on the next page.');
    expect(await page.isDisabled('#first-page')).toBe(true);
    expect(new URL(page.url()).searchParams.get('q')).toBe('PUPIL');
    await saveScreenshot(page, 'admin-users', 'admin-users');

    await clickAndWaitForList(page, '#next-page');
    expect(await usernamesShown(page)).toEqual(pupilNames(11, PUPIL_COUNT));
    expect(await page.textContent('#result-summary')).toBe('Page 2: 2 users.');
    expect(await page.isDisabled('#next-page')).toBe(true);

    await clickAndWaitForList(page, '#first-page');
    expect(await usernamesShown(page)).toEqual(pupilNames(1, 10));

    const listRequests = requests.filter((request) => new URL(request.url()).pathname === '/users');
    expect(listRequests.length).toBeGreaterThanOrEqual(5);
    for (const request of listRequests) expect(await request.headerValue('authorization')).toBe(`Bearer ${token}`);
    for (const request of requests) expect(request.url()).not.toContain(token!);

    await page.click('#log-out');
    await page.waitForURL('**/login?logged_out=1');
    expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)).toBeNull();
    expect(await page.textContent('#status')).toBe('You have logged out.');
    expect(await page.isVisible('#login-form')).toBe(true);

    await page.goto('/admin/users');
    await page.waitForURL('**/login?next=%2Fadmin%2Fusers');
  });

  it('filters the list by active status and join date', async () => {
    const staff = await signUp({ username: 'grace' });
    await makeStaff(await database.db(), staff.id);
    await logInThroughPage(page, 'grace');
    await page.goto('/admin/users');
    await page.waitForSelector('#user-admin:not([hidden])');

    await page.selectOption('#is_staff', 'true');
    await clickAndWaitForList(page, 'button[type="submit"]');
    const staffNames = await usernamesShown(page);
    expect(staffNames).toContain('grace');
    expect(staffNames.some((name) => name.startsWith('pupil'))).toBe(false);

    await page.reload();
    await page.waitForSelector('#users[aria-busy="false"] tbody tr');
    expect(await page.inputValue('#is_staff')).toBe('true');
    expect(await usernamesShown(page)).toEqual(staffNames);

    await page.selectOption('#is_staff', '');
    await page.fill('#date_joined_before', '2000-01-01');
    await clickAndWaitForList(page, 'button[type="submit"]');
    expect(await usernamesShown(page)).toEqual([]);
    expect(await page.textContent('#result-summary')).toBe('No users match these filters.');
  });

  it('shows join dates in the reader’s time zone', async () => {
    const staff = await signUp({ username: 'hopper' });
    await makeStaff(await database.db(), staff.id);
    await logInThroughPage(page, 'hopper');
    await page.goto('/admin/users');
    await page.waitForSelector('#users tbody tr');

    const joined = await page.$eval('#users tbody tr td:nth-child(8) time', (element) => ({
      instant: element.getAttribute('datetime')!,
      text: element.textContent,
    }));
    const expected = await page.evaluate(
      ({ instant, timeZone }) => {
        const options = { dateStyle: 'medium', timeStyle: 'short' } as const;
        return {
          local: new Intl.DateTimeFormat('en-GB', { ...options, timeZone }).format(new Date(instant)),
          utc: new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' }).format(new Date(instant)),
        };
      },
      { instant: joined.instant, timeZone: READER_TIME_ZONE },
    );

    expect(joined.instant).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(joined.text).toBe(expected.local);
    expect(joined.text).not.toBe(expected.utc);
  });

  it('shows signup errors beside their fields', async () => {
    await page.goto('/signup');

    await page.fill('#username', 'not valid!');
    await page.fill('#email', 'not-an-email');
    await page.fill('#password', STRONG_PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForSelector('#username[aria-invalid="true"]');

    expect(await page.textContent('#username-error')).toBe(
      'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.',
    );
    expect(await page.textContent('#email-error')).toBe('Enter a valid email address.');
    expect(await page.getAttribute('#email', 'aria-invalid')).toBe('true');
    expect(await page.textContent('#password-error')).toBe('');
    expect(await page.getAttribute('#password', 'aria-invalid')).toBeNull();
    expect(await page.textContent('#form-error')).toBe('Some fields need attention: see the messages beside them.');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('username');
    await saveScreenshot(page, 'signup-errors', 'signup');

    await page.fill('#username', 'pupil01');
    await page.fill('#email', 'someone@example.com');
    await page.click('button[type="submit"]');
    await page.waitForSelector('#username-error:text("A user with that username already exists.")');
    expect(await page.textContent('#email-error')).toBe('');
    expect(await page.getAttribute('#email', 'aria-invalid')).toBeNull();

    await page.fill('#username', 'newcomer');
    await page.fill('#password', '12345678');
    await page.click('button[type="submit"]');
    await page.waitForSelector('#password[aria-invalid="true"]');
    expect(await page.textContent('#password-error')).toContain('This password is entirely numeric.');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
    expect(await page.getAttribute('#username', 'aria-invalid')).toBeNull();
  });

  it('disables the submit button while the request runs', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let signupRequestHeld = false;
    await page.route('**/signup', async (route) => {
      if (route.request().method() === 'POST') {
        signupRequestHeld = true;
        await released;
      }
      await route.continue();
    });
    await page.goto('/signup');
    await page.fill('#username', 'patient');

    await page.click('button[type="submit"]');
    await waitUntil(() => signupRequestHeld);
    const disabledWhileRunning = await page.isDisabled('button[type="submit"]');
    release();
    await page.waitForSelector('#email-error:not(:empty)');

    expect(disabledWhileRunning).toBe(true);
    expect(await page.isDisabled('button[type="submit"]')).toBe(false);
  });

  it('shows a login failure in the live region', async () => {
    await page.goto('/login');
    await page.fill('#identifier', 'pupil02@example.com');
    await page.fill('#password', 'not the right password');
    await page.click('#login-form button[type="submit"]');

    await page.waitForSelector('#form-error:not(:empty)');
    expect(await page.textContent('#form-error')).toBe('The username, email or password is incorrect.');
    expect(await page.getAttribute('#form-error', 'aria-live')).toBe('assertive');
    expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)).toBeNull();

    const loginRequest = requests.find((request) => request.method() === 'POST' && request.url().endsWith('/login'));
    expect(loginRequest?.postDataJSON()).toEqual({ email: 'pupil02@example.com', password: 'not the right password' });
  });
});

/** Checks the accessibility basics of every form field on the page: a label and existing descriptions. */
async function expectAccessibleForm(page: Page): Promise<void> {
  const problems = await page.$$eval('input, select', (controls) =>
    controls.flatMap((control) => {
      const field = control as unknown as FormControl;
      const found: string[] = [];
      if (!field.labels || field.labels.length === 0) found.push(`#${field.id} has no label`);
      for (const id of (field.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) found.push(`#${field.id} is described by a missing #${id}`);
      }
      return found;
    }),
  );
  expect(problems).toEqual([]);
  expect(await page.getAttribute('#form-error', 'aria-live')).toBe('assertive');
}

async function logInThroughPage(page: Page, username: string): Promise<void> {
  await page.goto('/login');
  await page.fill('#identifier', username);
  await page.fill('#password', STRONG_PASSWORD);
  await page.click('#login-form button[type="submit"]');

  // Either the staff user is sent on to the list, or the form shows why the login failed. The wait
  // that loses the race ends with the page, so its error is dropped.
  await Promise.race([
    page.waitForURL((url) => url.pathname === '/admin/users').catch(() => undefined),
    page.waitForSelector('#form-error:not(:empty)').catch(() => undefined),
  ]);
  const formError = await page.textContent('#form-error').catch(() => null);
  expect(new URL(page.url()).pathname, `login failed: ${formError}`).toBe('/admin/users');
}

/** Clicks a control that loads a page of users and waits until that page is on screen. */
async function clickAndWaitForList(page: Page, selector: string): Promise<void> {
  const response = page.waitForResponse((candidate) => new URL(candidate.url()).pathname === '/users');
  await page.click(selector);
  await response;
  await page.waitForSelector('#users[aria-busy="false"]');
}

function usernamesShown(page: Page): Promise<string[]> {
  return page.$$eval('#users tbody tr td:nth-child(2)', (cells) => cells.map((cell) => cell.textContent ?? ''));
}

function pupilNames(first: number, last: number): string[] {
  return Array.from({ length: last - first + 1 }, (_, index) => `pupil${String(first + index).padStart(2, '0')}`);
}

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}
