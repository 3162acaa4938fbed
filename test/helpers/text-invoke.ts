import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { httpEvent, lambdaContext, type EventOptions } from './http-events';

export interface TextInvokeResult {
  statusCode: number;
  headers: Record<string, string>;
  /** The body as sent, unparsed: HTML, CSS or JavaScript. */
  text: string;
}

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2 | string | void>;

/** Invokes a handler like `invoke`, but returns the body as text, for responses that are not JSON. */
export async function invokeForText(handler: HttpHandler, options: EventOptions): Promise<TextInvokeResult> {
  const result = await handler(httpEvent(options), lambdaContext());
  if (!result || typeof result === 'string') throw new Error(`The handler returned ${typeof result}, not a structured result.`);
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]));
  return { statusCode: result.statusCode ?? 200, headers, text: result.body ?? '' };
}
