// Form behaviour shared by the pages: API error messages beside their fields, a form-level message
// in a live region, and buttons disabled while a request runs.
//
// Markup contract: each field's message element has the id `<input id>-error` and is listed in the
// input's aria-describedby. An input receives the API's messages for its `name`, or for each name in
// its `data-api-fields` attribute when one input stands for several API fields.

/** Removes every field message and the form-level message. */
export function clearErrors(form, formError) {
  for (const control of form.elements) {
    if (!control.id) continue;
    control.removeAttribute('aria-invalid');
    const message = document.getElementById(`${control.id}-error`);
    if (message) message.textContent = '';
  }
  formError.textContent = '';
}

/**
 * Shows an API error body: each message of `error.details` beside its field, and a summary in the
 * form-level live region. Focus moves to the first invalid field in page order, so keyboard and
 * screen reader users land on the first problem. Returns whether any field was marked.
 */
export function showErrors(form, formError, error) {
  const details = error?.details ?? {};
  const unplaced = [];

  for (const [field, messages] of Object.entries(details)) {
    const control = findControl(form, field);
    const message = control && document.getElementById(`${control.id}-error`);
    if (!message) {
      unplaced.push(...messages);
      continue;
    }
    control.setAttribute('aria-invalid', 'true');
    message.textContent = [message.textContent, ...messages].filter(Boolean).join(' ');
  }

  const firstInvalid = [...form.elements].find((control) => control.getAttribute('aria-invalid') === 'true');
  const summary = firstInvalid ? 'Some fields need attention: see the messages beside them.' : error?.message;
  formError.textContent = [summary ?? 'The request failed. Try again.', ...unplaced].join(' ');
  firstInvalid?.focus();
  return Boolean(firstInvalid);
}

/** Disables the form's buttons while a request runs, so a double click cannot send it twice. */
export function setBusy(form, busy) {
  form.setAttribute('aria-busy', String(busy));
  for (const button of form.querySelectorAll('button')) button.disabled = busy;
}

function findControl(form, field) {
  for (const control of form.elements) {
    const names = control.dataset.apiFields?.split(' ') ?? [control.name];
    if (names.includes(field)) return control;
  }
  return null;
}
