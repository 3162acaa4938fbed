// Calls to the account API on the same origin, and the browser side of a login session.
//
// The access token is kept in sessionStorage, so it is gone when the tab closes. It is never put in a
// cookie, which the browser would attach to requests by itself. It leaves the page only in the
// Authorization header of API requests.

const TOKEN_KEY = 'attendance.accessToken';
const USER_KEY = 'attendance.user';

/** Stores a successful login response: the access token and the user it belongs to. */
export function saveSession(login) {
  sessionStorage.setItem(TOKEN_KEY, login.access_token);
  sessionStorage.setItem(USER_KEY, JSON.stringify(login.user));
}

/** Returns the stored access token, or null when no user is logged in in this tab. */
export function readToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Returns the user stored at login, or null. */
export function readUser() {
  try {
    return JSON.parse(sessionStorage.getItem(USER_KEY) ?? 'null');
  } catch {
    return null;
  }
}

/**
 * Forgets the session in this tab. The token itself stays valid until it expires, because the API
 * keeps no server-side session that a log out could end.
 */
export function clearSession() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
}

/** Tells whether a user may open the user list, by the same rule as the API. */
export function isStaffUser(user) {
  return Boolean(user && (user.is_staff || user.is_superuser));
}

/**
 * Sends a request to the API and returns `{ status, body }`. Every failure, including a network
 * error or a response that is not JSON, comes back as the API's error body, so callers handle one shape.
 */
export async function requestJson(method, path, { body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;

  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    return failure(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
  }

  const type = response.headers.get('Content-Type') ?? '';
  if (!type.startsWith('application/json')) {
    return failure(response.status, 'unexpected_response', `The server sent an unexpected response (HTTP ${response.status}). Try again later.`);
  }
  try {
    return { status: response.status, body: await response.json() };
  } catch {
    return failure(response.status, 'unexpected_response', 'The server sent a response that is not valid JSON. Try again later.');
  }
}

function failure(status, code, message) {
  return { status, body: { error: { code, message } } };
}
