import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/pages';
import { invoke } from '../helpers/http-events';
import { TEST_JWT_SECRET } from '../helpers/service';
import { invokeForText } from '../helpers/text-invoke';

// The page function reads no database, but the shared handler wrapper checks the configuration.
process.env.JWT_SECRET ??= TEST_JWT_SECRET;

const PAGES = [
  { path: '/signup', heading: 'Create an account', script: '/assets/signup.client.js' },
  { path: '/login', heading: 'Log in', script: '/assets/login.client.js' },
  { path: '/admin/users', heading: 'Users', script: '/assets/admin-users.client.js' },
];

const EXPECTED_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function getPage(path: string, headers: Record<string, string> = {}) {
  return invokeForText(handler, { method: 'GET', path, headers });
}

function getAsset(file: string, headers: Record<string, string> = {}) {
  return invokeForText(handler, {
    method: 'GET',
    path: `/assets/${file}`,
    routeKey: 'GET /assets/{file}',
    pathParameters: { file },
    headers,
  });
}

/** Returns the /assets/ names a page or script refers to: link and script elements, and module imports. */
function referencedAssets(text: string): string[] {
  const inMarkup = [...text.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((match) => match[1]!);
  const imported = [...text.matchAll(/from '\.\/([^']+)'/g)].map((match) => match[1]!);
  return [...inMarkup, ...imported];
}

describe('pages', () => {
  it.each(PAGES)('serves $path as HTML with its heading and script', async ({ path, heading, script }) => {
    const page = await getPage(path);

    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain(`<h1>${heading}</h1>`);
    expect(page.text).toContain(`<script type="module" src="${script}"></script>`);
  });

  it.each(PAGES)('sends the security headers with $path', async ({ path }) => {
    const page = await getPage(path);

    expect(page.headers['content-security-policy']).toBe(EXPECTED_POLICY);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it.each(PAGES)('keeps $path free of inline script, inline style and other origins', async ({ path }) => {
    const { text } = await getPage(path);

    const scripts = [...text.matchAll(/<script\b[^>]*>/g)].map((match) => match[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/ src="\/assets\/[^"]+"/);
    expect(text).not.toMatch(/<style\b/i);
    expect(text).not.toMatch(/\sstyle=/i);
    expect(text).not.toMatch(/\son[a-z]+=/i);
    expect(text).not.toMatch(/(?:src|href|action)="(?:https?:)?\/\//i);
  });

  it('serves every asset that a page or script refers to', async () => {
    const seen = new Set<string>();
    const queue = (await Promise.all(PAGES.map(({ path }) => getPage(path)))).flatMap(({ text }) => referencedAssets(text));

    while (queue.length > 0) {
      const name = queue.shift()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const asset = await getAsset(name);
      expect(asset.statusCode, name).toBe(200);
      expect(asset.headers['content-type'], name).toBe(name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8');
      queue.push(...referencedAssets(asset.text));
    }
    expect([...seen].sort()).toEqual([
      'admin-users.client.js',
      'api.client.js',
      'forms.client.js',
      'login.client.js',
      'signup.client.js',
      'styles.css',
    ]);
  });

  it('answers an unknown asset with 404 and the shared error body', async () => {
    const response = await invoke(handler, {
      method: 'GET',
      path: '/assets/missing.js',
      routeKey: 'GET /assets/{file}',
      pathParameters: { file: 'missing.js' },
    });

    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body.error.code).toBe('not_found');
    expect(response.body.error.message).toContain('"missing.js"');
  });

  it('does not treat inherited object keys as assets', async () => {
    const response = await getAsset('constructor');

    expect(response.statusCode).toBe(404);
  });
});

describe('page caching', () => {
  it('asks caches to revalidate and sends an ETag', async () => {
    const page = await getPage('/login');

    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
  });

  it('answers a matching If-None-Match with 304 and no body', async () => {
    const first = await getAsset('styles.css');
    const again = await getAsset('styles.css', { 'if-none-match': `W/"other", ${first.headers.etag}` });

    expect(again.statusCode).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.etag).toBe(first.headers.etag);
  });

  it('sends the file again when If-None-Match names another version', async () => {
    const response = await getAsset('styles.css', { 'if-none-match': '"an-older-version"' });

    expect(response.statusCode).toBe(200);
    expect(response.text).toContain('.field-error');
  });

  it('gives each file its own ETag', async () => {
    const pages = await Promise.all(PAGES.map(({ path }) => getPage(path)));

    expect(new Set(pages.map((page) => page.headers.etag)).size).toBe(PAGES.length);
  });
});
