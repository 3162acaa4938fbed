import { createHash } from 'node:crypto';
import adminUsersPage from '../pages/admin-users.html';
import apiScript from '../pages/assets/api.client.js';
import adminUsersScript from '../pages/assets/admin-users.client.js';
import formsScript from '../pages/assets/forms.client.js';
import loginScript from '../pages/assets/login.client.js';
import signupScript from '../pages/assets/signup.client.js';
import styles from '../pages/assets/styles.css';
import loginPage from '../pages/login.html';
import signupPage from '../pages/signup.html';

/** A file of the pages, embedded in the bundle as text. */
export interface StaticFile {
  body: string;
  contentType: string;
  /** Strong validator derived from the content, so a deployment with new files changes it. */
  etag: string;
}

const HTML = 'text/html; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const JAVASCRIPT = 'text/javascript; charset=utf-8';

/** The pages by request path. */
const PAGES = new Map<string, StaticFile>([
  ['/signup', staticFile(signupPage, HTML)],
  ['/login', staticFile(loginPage, HTML)],
  ['/admin/users', staticFile(adminUsersPage, HTML)],
]);

/** The files under /assets/ by name; the pages and scripts refer to them by these names. */
const ASSETS = new Map<string, StaticFile>([
  ['styles.css', staticFile(styles, CSS)],
  ['api.client.js', staticFile(apiScript, JAVASCRIPT)],
  ['forms.client.js', staticFile(formsScript, JAVASCRIPT)],
  ['signup.client.js', staticFile(signupScript, JAVASCRIPT)],
  ['login.client.js', staticFile(loginScript, JAVASCRIPT)],
  ['admin-users.client.js', staticFile(adminUsersScript, JAVASCRIPT)],
]);

/** Returns the page served at a path, or undefined. */
export function findPage(path: string): StaticFile | undefined {
  return PAGES.get(path);
}

/** Returns the asset with a file name, or undefined. */
export function findAsset(name: string): StaticFile | undefined {
  return ASSETS.get(name);
}

function staticFile(body: string, contentType: string): StaticFile {
  const digest = createHash('sha256').update(body).digest('base64url').slice(0, 27);
  return { body, contentType, etag: `"${digest}"` };
}
