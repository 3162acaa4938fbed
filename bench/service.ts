import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { httpEvent, lambdaContext, type EventOptions } from '../test/helpers/http-events';

/** A passphrase that Django's default validators accept, for the accounts the benchmarks create. */
export const BENCH_PASSWORD = 'lantern orchard velvet 1987 quarry';

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2 | string | void>;

/**
 * Points the service at the benchmark's database, as a deployed stage's environment would. Call it
 * before the first import of any module under lib/ or functions/: the logger reads LOG_LEVEL when it
 * is imported, and the configuration is read once per process.
 */
export function configureService(settings: { mongodbUri: string; database: string; bcryptRounds: number }): void {
  process.env.MONGODB_URI = settings.mongodbUri;
  process.env.MONGODB_DB = settings.database;
  process.env.JWT_SECRET = randomBytes(48).toString('base64');
  process.env.BCRYPT_ROUNDS = String(settings.bcryptRounds);
  // INFO is the deployed default: every request writes its access log line, and the child's stdout,
  // where the lines go, is discarded.
  process.env.LOG_LEVEL = 'INFO';
}

/** An invocation, ready to send: the event and context are built before any timer starts. */
export interface PreparedInvocation {
  event: APIGatewayProxyEventV2;
  context: Context;
}

// Ten processes standing for ten containers share this machine's cores, so one cold invocation can
// take longer than the function's 10 s timeout, which middy would enforce through the context.
const REMAINING_TIME_MS = 600_000;

export function prepareInvocation(options: EventOptions): PreparedInvocation {
  return { event: httpEvent(options), context: { ...lambdaContext('bench'), getRemainingTimeInMillis: () => REMAINING_TIME_MS } };
}

/** Sends a prepared invocation and throws unless the handler returns `expectedStatus`. */
export async function invokeExpecting(handler: HttpHandler, invocation: PreparedInvocation, expectedStatus: number): Promise<APIGatewayProxyStructuredResultV2> {
  const result = await handler(invocation.event, invocation.context);
  if (!result || typeof result === 'string' || result.statusCode !== expectedStatus) {
    const described = result && typeof result === 'object' ? `${result.statusCode} ${result.body ?? ''}` : String(result);
    throw new Error(`${invocation.event.routeKey} returned ${described}, expected ${expectedStatus}.`);
  }
  return result;
}
