// The sign-up page: sends the form to POST /signup and, once the account exists, opens the login page.
import { requestJson } from './api.client.js';
import { clearErrors, setBusy, showErrors } from './forms.client.js';

const form = document.getElementById('signup-form');
const formError = document.getElementById('form-error');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form, formError);
  setBusy(form, true);

  const response = await requestJson('POST', '/signup', { body: Object.fromEntries(new FormData(form)) });

  if (response.status === 201) {
    location.assign(`/login?signed_up=${encodeURIComponent(response.body.username)}`);
    return;
  }
  setBusy(form, false);
  showErrors(form, formError, response.body.error);
});
