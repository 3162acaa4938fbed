import { NotFoundError } from '../lib/http-errors';
import { httpHandler, type HttpEvent } from '../lib/http-handler';
import { getHeader } from '../lib/http-request';
import { findAsset, findPage, type StaticFile } from '../lib/page-assets';
import { staticFileResponse } from '../lib/page-response';

/** GET /signup, /login, /admin/users and /assets/{file}: the account pages and their files. */
export const handler = httpHandler(async (event) => {
  const file = findRequestedFile(event);

  return staticFileResponse(file, getHeader(event, 'if-none-match'));
});

function findRequestedFile(event: HttpEvent): StaticFile {
  const assetName = event.pathParameters?.file;
  const file = assetName === undefined ? findPage(event.rawPath) : findAsset(assetName);
  if (!file) {
    const name = (assetName ?? event.rawPath).slice(0, 100);
    throw new NotFoundError(`There is no page or asset named ${JSON.stringify(name)}.`);
  }
  return file;
}
