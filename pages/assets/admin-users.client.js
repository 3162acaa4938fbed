// The user list for staff: filters, ordering and cursor paging over GET /users.
import { clearSession, readToken, readUser, requestJson } from './api.client.js';
import { clearErrors, setBusy, showErrors } from './forms.client.js';

const FLAG_FIELDS = ['is_active', 'is_staff', 'is_superuser'];
const FORM_FIELDS = ['q', ...FLAG_FIELDS, 'date_joined_after', 'date_joined_before', 'ordering', 'limit'];

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

const filters = document.getElementById('filters');
const formError = document.getElementById('form-error');
const summary = document.getElementById('result-summary');
const table = document.getElementById('users');
const firstPageButton = document.getElementById('first-page');
const nextPageButton = document.getElementById('next-page');

// The query of the page on screen. "Next page" reuses it unchanged, because the API accepts a cursor
// only together with the query that produced it, even if someone has edited the filters since.
let shownQuery = new URLSearchParams();
let pageNumber = 1;
let nextCursor = null;

const token = readToken();
if (token) {
  start();
} else {
  goToLogin();
}

function start() {
  document.getElementById('session-username').textContent = `Logged in as ${readUser()?.username ?? 'unknown user'}`;
  document.getElementById('log-out').addEventListener('click', () => {
    clearSession();
    location.assign('/login?logged_out=1');
  });

  fillFormFromAddress();
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    void loadFirstPage();
  });
  filters.querySelector('button[type="reset"]').addEventListener('click', (event) => {
    event.preventDefault();
    filters.reset();
    void loadFirstPage();
  });
  firstPageButton.addEventListener('click', () => void loadPage(shownQuery, null, 1));
  nextPageButton.addEventListener('click', () => void loadPage(shownQuery, nextCursor, pageNumber + 1));

  void loadFirstPage();
}

/**
 * Loads page 1 for the form's filters. The filters that differ from the form's defaults also go into
 * the address, so a reload or a bookmark shows the same list.
 */
function loadFirstPage() {
  const formValues = new URLSearchParams();
  const changedValues = new URLSearchParams();
  for (const name of FORM_FIELDS) {
    const control = filters.elements[name];
    const value = control.value.trim();
    if (value) formValues.set(name, value);
    if (value && value !== defaultValue(control)) changedValues.set(name, value);
  }
  history.replaceState(null, '', changedValues.size > 0 ? `?${changedValues}` : location.pathname);
  return loadPage(toApiQuery(formValues), null, 1);
}

/** Returns the value a control has when the page loads, before anyone changes it. */
function defaultValue(control) {
  if (control instanceof HTMLSelectElement) {
    const option = [...control.options].find((candidate) => candidate.defaultSelected) ?? control.options[0];
    return option?.value ?? '';
  }
  return control.defaultValue;
}

async function loadPage(query, cursor, number) {
  clearErrors(filters, formError);
  setLoading(true);

  const pageQuery = new URLSearchParams(query);
  if (cursor) pageQuery.set('cursor', cursor);
  const response = await requestJson('GET', `/users?${pageQuery}`, { token });

  setLoading(false);
  // serverless-offline 13 answers a Lambda timeout with 200 and a body of its own, so the status alone
  // does not prove that a page of users arrived.
  if (response.status === 200 && Array.isArray(response.body.items)) {
    shownQuery = query;
    pageNumber = number;
    nextCursor = response.body.next_cursor;
    showPage(response.body.items);
  } else if (response.status === 401) {
    // The token expired or was revoked (for example by a password change): log in again.
    clearSession();
    goToLogin();
  } else if (response.status === 403) {
    showNotAllowed(response.body.error.message);
  } else {
    showErrors(filters, formError, response.body.error);
  }
  updatePager();
}

/**
 * Converts the form's values to API parameters. The date inputs hold days in the reader's time zone,
 * the same zone the list shows dates in, so they are sent as that day's first and last millisecond.
 */
function toApiQuery(formValues) {
  const query = new URLSearchParams();
  for (const [name, value] of formValues) {
    if (name === 'date_joined_after') query.set(name, localDayBoundary(value, 0).toISOString());
    else if (name === 'date_joined_before') query.set(name, new Date(localDayBoundary(value, 1).getTime() - 1).toISOString());
    else query.set(name, value);
  }
  return query;
}

/** Returns local midnight at the start of the day `yyyy-mm-dd`, plus `addDays` days. */
function localDayBoundary(isoDate, addDays) {
  const [year, month, day] = isoDate.split('-').map(Number);
  return new Date(year, month - 1, day + addDays);
}

function fillFormFromAddress() {
  const parameters = new URLSearchParams(location.search);
  for (const name of FORM_FIELDS) {
    const value = parameters.get(name);
    if (value !== null) filters.elements[name].value = value;
  }
}

function showPage(users) {
  document.getElementById('user-admin').hidden = false;
  const rows = users.map(toRow);
  table.tBodies[0].replaceChildren(...rows);

  if (users.length === 0) {
    summary.textContent = pageNumber === 1 ? 'No users match these filters.' : `Page ${pageNumber} is empty.`;
  } else {
    const more = nextCursor ? ' More users follow on the next page.' : '';
    summary.textContent = `Page ${pageNumber}: ${users.length} ${users.length === 1 ? 'user' : 'users'}.${more}`;
  }
}

function toRow(user) {
  const row = document.createElement('tr');
  const name = `${user.first_name} ${user.last_name}`.trim();
  row.append(
    cell(String(user.id)),
    cell(user.username),
    cell(user.email),
    cell(name || '—'),
    cell(user.is_active ? 'Yes' : 'No'),
    cell(user.is_staff ? 'Yes' : 'No'),
    cell(user.is_superuser ? 'Yes' : 'No'),
    dateCell(user.date_joined, 'Unknown'),
    dateCell(user.last_login, 'Never'),
  );
  return row;
}

function cell(text) {
  const element = document.createElement('td');
  element.textContent = text;
  return element;
}

/** Builds a cell with the date in the reader's time zone and locale; the datetime attribute keeps the UTC instant. */
function dateCell(isoString, missingText) {
  if (!isoString) return cell(missingText);
  const time = document.createElement('time');
  time.dateTime = isoString;
  time.textContent = dateFormat.format(new Date(isoString));
  const element = document.createElement('td');
  element.append(time);
  return element;
}

function showNotAllowed(message) {
  document.getElementById('user-admin').hidden = true;
  document.getElementById('not-allowed-message').textContent = message;
  document.getElementById('not-allowed').hidden = false;
}

function setLoading(loading) {
  setBusy(filters, loading);
  table.setAttribute('aria-busy', String(loading));
  if (loading) {
    firstPageButton.disabled = true;
    nextPageButton.disabled = true;
  }
}

function updatePager() {
  firstPageButton.disabled = pageNumber === 1;
  nextPageButton.disabled = !nextCursor;
}

function goToLogin() {
  location.replace(`/login?next=${encodeURIComponent('/admin/users')}`);
}
