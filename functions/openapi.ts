import { httpHandler } from '../lib/http-handler';
import { jsonResponse } from '../lib/http-response';
import { getOpenApiDocument } from '../lib/openapi';

/** GET /openapi.json: the OpenAPI 3.1 description of this service. */
export const handler = httpHandler(async () => {
  const document = getOpenApiDocument();

  return jsonResponse(200, document);
});
