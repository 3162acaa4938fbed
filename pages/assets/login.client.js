// The login page: exchanges a username or email address and a password for an access token.
import { clearSession, isStaffUser, readToken, readUser, requestJson, saveSession } from './api.client.js';
import { clearErrors, setBusy, showErrors } from './forms.client.js';

// Pages that may be named in ?next=. Anything else is ignored, so a crafted link cannot send a user
// who just logged in to another site.
const RETURN_PAGES = new Set(['/admin/users']);

// NOTE: Django allows "@" in usernames. A username that also looks like an email address
// (name@domain.tld) is sent as an email address, so its owner must log in with the account's email.
const EMAIL_SHAPE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

const form = document.getElementById('login-form');
const formError = document.getElementById('form-error');
const status = document.getElementById('status');
const parameters = new URLSearchParams(location.search);

showArrivalMessage();
showSession();

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form, formError);
  setBusy(form, true);

  const identifier = form.elements.identifier.value.trim();
  const field = EMAIL_SHAPE.test(identifier) ? 'email' : 'username';
  const body = { [field]: identifier, password: form.elements.password.value };
  const response = await requestJson('POST', '/login', { body });

  setBusy(form, false);
  if (response.status !== 200 || typeof response.body.access_token !== 'string') {
    showErrors(form, formError, response.body.error);
    return;
  }

  saveSession(response.body);
  form.reset();
  const next = parameters.get('next');
  if (next && RETURN_PAGES.has(next)) {
    location.assign(next);
  } else if (isStaffUser(response.body.user)) {
    location.assign('/admin/users');
  } else {
    status.textContent = 'You are now logged in.';
    showSession();
  }
});

document.getElementById('log-out').addEventListener('click', () => {
  clearSession();
  status.textContent = 'You have logged out.';
  showSession();
  form.elements.identifier.focus();
});

function showArrivalMessage() {
  const signedUp = parameters.get('signed_up');
  if (signedUp) {
    status.textContent = 'Your account has been created. Log in to continue.';
    form.elements.identifier.value = signedUp;
    form.elements.password.focus();
  } else if (parameters.has('logged_out')) {
    status.textContent = 'You have logged out.';
  } else if (parameters.has('next')) {
    status.textContent = 'Log in to continue.';
  }
}

/** Shows who is logged in in this tab, or the login form when no user is. */
function showSession() {
  const user = readToken() ? readUser() : null;
  document.getElementById('session').hidden = !user;
  form.hidden = Boolean(user);
  if (!user) return;
  document.getElementById('session-username').textContent = user.username;
  document.getElementById('session-admin-link').hidden = !isStaffUser(user);
}
