import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOffline, type OfflineServer } from '../helpers/offline';
import { TEST_JWT_SECRET, useTestDatabase } from '../helpers/service';

const PROJECT_ROOT = join(__dirname, '..', '..');
const SERVERLESS_BIN = join(PROJECT_ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');
const ALLOWED_ORIGIN = 'https://app.example.com';
const OTHER_ORIGIN = 'https://evil.example';

interface CorsSettings {
  allowedOrigins: string[];
  allowedHeaders: string[];
  exposedResponseHeaders: string[];
  maxAge: number;
  allowCredentials?: boolean;
}

const requireCommonJs = createRequire(__filename);
const { httpApiCors, parseCorsOrigins } = requireCommonJs('../../serverless-plugins/http-api-cors.js') as {
  httpApiCors: (value: string | undefined) => CorsSettings | false;
  parseCorsOrigins: (value: string | undefined) => string[];
};

const database = useTestDatabase('cors');

/** Resolves serverless.yml with `serverless print` for one CORS_ORIGINS value and returns provider.httpApi. */
async function printHttpApi(corsOrigins: string): Promise<{ cors?: CorsSettings | false } | undefined> {
  const { stdout } = await promisify(execFile)(process.execPath, [SERVERLESS_BIN, 'print', '--format', 'json', '--stage', 'test'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', CORS_ORIGINS: corsOrigins },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 120_000,
  });
  const config = JSON.parse(stdout) as { provider: { httpApi?: { cors?: CorsSettings | false } } };
  return config.provider.httpApi;
}

describe('CORS_ORIGINS parsing', () => {
  it('splits, trims and deduplicates origins', () => {
    expect(parseCorsOrigins(' https://a.example ,http://localhost:5173,,https://a.example')).toEqual(['https://a.example', 'http://localhost:5173']);
  });

  it.each([undefined, '', ' , '])('turns CORS off for %j', (value) => {
    expect(httpApiCors(value)).toBe(false);
  });

  it.each(['*', 'app.example.com', 'https://app.example.com/', 'https://app.example.com/path', 'ftp://app.example.com', 'https://a.example,null'])(
    'rejects %j',
    (value) => {
      expect(() => httpApiCors(value)).toThrow(/CORS_ORIGINS contains .* which is not an origin/);
    },
  );

  it('allows the two request headers and no credentials', () => {
    const cors = httpApiCors(ALLOWED_ORIGIN);

    expect(cors).toMatchObject({ allowedOrigins: [ALLOWED_ORIGIN], allowedHeaders: ['Authorization', 'Content-Type'] });
    expect(cors).not.toHaveProperty('allowCredentials');
  });
});

describe('serverless print', () => {
  it('configures CORS only when CORS_ORIGINS lists origins', async () => {
    const [withOrigins, withoutOrigins] = await Promise.all([printHttpApi(`${ALLOWED_ORIGIN}, http://localhost:5173`), printHttpApi('')]);

    expect(withOrigins?.cors).toMatchObject({ allowedOrigins: [ALLOWED_ORIGIN, 'http://localhost:5173'] });
    expect(withoutOrigins?.cors).toBe(false);
  }, 180_000);
});

describe('CORS over HTTP through serverless-offline', () => {
  let server: OfflineServer;

  beforeAll(async () => {
    server = await startOffline({ MONGODB_DB: database.name, JWT_SECRET: TEST_JWT_SECRET, BCRYPT_ROUNDS: '4', LOG_LEVEL: 'WARN', CORS_ORIGINS: ALLOWED_ORIGIN });
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  function preflight(path: string, origin: string) {
    return fetch(`${server.baseUrl}${path}`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
  }

  it('answers a preflight from an allowed origin', async () => {
    const response = await preflight('/login', ALLOWED_ORIGIN);

    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('gives no CORS headers to a preflight from another origin', async () => {
    const response = await preflight('/login', OTHER_ORIGIN);

    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets an allowed origin read an API response', async () => {
    const response = await fetch(`${server.baseUrl}/users/1`, { headers: { Origin: ALLOWED_ORIGIN } });

    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});
