import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { load } from 'js-yaml';

const PROJECT_ROOT = join(__dirname, '..', '..');

export type RouteHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** One `httpApi` event of serverless.yml and the handler module that serves it. */
export interface HttpRoute {
  functionName: string;
  /** Path of the handler module without extension, relative to the project root, e.g. `functions/login`. */
  modulePath: string;
  exportName: string;
  method: string;
  path: string;
  routeKey: string;
  /** Names of the `{parameter}` parts of the path. */
  pathParameterNames: string[];
}

interface ServerlessFunction {
  handler?: string;
  events?: Array<{ httpApi?: string | { method?: string; path?: string } }>;
}

/**
 * Reads every HTTP route from serverless.yml, so tests cover a route as soon as it is declared there.
 * Variables such as `${env:PORT}` stay as text because no route needs them.
 */
export function readHttpRoutes(): HttpRoute[] {
  const text = readFileSync(join(PROJECT_ROOT, 'serverless.yml'), 'utf8');
  const config = load(text) as { functions?: Record<string, ServerlessFunction> };
  const routes: HttpRoute[] = [];

  for (const [functionName, definition] of Object.entries(config.functions ?? {})) {
    const [modulePath = '', exportName = 'handler'] = (definition.handler ?? '').split(/\.(?=[^.]+$)/);
    for (const event of definition.events ?? []) {
      if (event.httpApi === undefined) continue;
      const [method = '*', path = '/'] =
        typeof event.httpApi === 'string' ? event.httpApi.split(' ') : [event.httpApi.method, event.httpApi.path];
      const upperMethod = method.toUpperCase();
      routes.push({
        functionName,
        modulePath,
        exportName,
        method: upperMethod,
        path,
        routeKey: `${upperMethod} ${path}`,
        pathParameterNames: [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((match) => match[1] ?? ''),
      });
    }
  }
  return routes;
}

/** Imports the handler of a route from its TypeScript module. */
export async function loadRouteHandler(route: HttpRoute): Promise<RouteHandler> {
  const module = (await import(join(PROJECT_ROOT, `${route.modulePath}.ts`))) as Record<string, unknown>;
  const handler = module[route.exportName];
  if (typeof handler !== 'function') throw new Error(`${route.modulePath}.ts exports no function named ${route.exportName}.`);
  return handler as RouteHandler;
}
