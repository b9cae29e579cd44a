// PAR CRM's small behaviours on top of server-rendered pages. Everything here is progressive:
// the pages work without it. No inline scripts (the CSP forbids them): behaviour hangs off
// data- attributes.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  /** Shows a short message at the bottom of the screen. */
  function toast(message) {
    var box = document.querySelector('.toasts');
    if (!box) {
      box = document.createElement('div');
      box.className = 'toasts';
      box.setAttribute('role', 'status');
      box.setAttribute('aria-live', 'polite');
      document.body.appendChild(box);
    }
    var el = document.createElement('div');
    el.className = 'toast';
    el.textContent = message;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 6000);
  }
  /** Fetches a server-rendered fragment (as htmx would ask for it). */
  function fragment(url) {
    return fetch(url, { headers: { 'HX-Request': 'true' }, credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.text();
    });
  }

  /** Turns an HTML fragment into its first element. */
  function parse(html) {
    var t = document.createElement('template');
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }

  // Shared with the page scripts (inbox.js, composer.js), which load after this one.
  window.par = { toast: toast, fragment: fragment, parse: parse };

  // htmx errors: the server answers them as plain text (see web/error-handler.ts).
  document.addEventListener('htmx:responseError', function (e) {
    var xhr = e.detail.xhr;
    var type = xhr.getResponseHeader('Content-Type') || '';
    toast(type.indexOf('text/plain') === 0 && xhr.responseText ? xhr.responseText : 'Something went wrong (' + xhr.status + ').');
  });
  document.addEventListener('htmx:sendError', function () {
    toast('The server could not be reached. Check your connection and try again.');
  });

  document.addEventListener('click', function (e) {
    // Copy buttons: data-copy="#element-id" copies that element's text (or value).
    var copy = e.target.closest('[data-copy]');
    if (copy) {
      var source = document.querySelector(copy.getAttribute('data-copy'));
      var text = source ? (source.value !== undefined ? source.value : source.textContent) : '';
      navigator.clipboard.writeText(text.trim()).then(
        function () { toast(copy.getAttribute('data-copied') || 'Copied'); },
        function () { toast('Copy failed: select the text and copy it by hand.'); }
      );
    }
    // Close open menus when clicking elsewhere.
    document.querySelectorAll('details.menu[open]').forEach(function (menu) {
      if (!menu.contains(e.target)) menu.removeAttribute('open');
    });
  });

  // Forms that ask before doing something destructive: data-confirm="Are you sure?"
  document.addEventListener('submit', function (e) {
    var form = e.target;
    var question = form.getAttribute && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) e.preventDefault();
  }, true);

  // Selects that submit their form on change; their submit button is only for no-JS browsers.
  document.addEventListener('change', function (e) {
    var select = e.target.closest('[data-autosubmit]');
    if (select && select.form) select.form.requestSubmit();
  });
  function hideNoJsButtons(root) {
    root.querySelectorAll('[data-nojs]').forEach(function (el) { el.hidden = true; });
  }
  document.addEventListener('DOMContentLoaded', function () { hideNoJsButtons(document); });
  document.addEventListener('htmx:load', function (e) { hideNoJsButtons(e.detail.elt); });

  // Label forms: the preview badge follows the name and the chosen colour.
  function updateLabelPreview(form) {
    var preview = form.querySelector('[data-label-preview]');
    if (!preview) return;
    var name = form.querySelector('input[name="name"]');
    var color = form.querySelector('input[name="color"]:checked');
    preview.textContent = (name && name.value.trim()) || preview.getAttribute('data-placeholder') || '';
    if (color) preview.className = 'label label-' + color.value;
  }
  document.addEventListener('input', function (e) {
    var form = e.target.closest && e.target.closest('form[data-label-form]');
    if (form) updateLabelPreview(form);
  });
  document.addEventListener('change', function (e) {
    var form = e.target.closest && e.target.closest('form[data-label-form]');
    if (form) updateLabelPreview(form);
  });

  // Buttons that insert text at the cursor of a field: data-insert="text" data-insert-into="#field".
  document.addEventListener('click', function (e) {
    var button = e.target.closest('[data-insert]');
    if (!button) return;
    var field = document.querySelector(button.getAttribute('data-insert-into'));
    if (!field) return;
    var text = button.getAttribute('data-insert');
    var start = field.selectionStart == null ? field.value.length : field.selectionStart;
    var end = field.selectionEnd == null ? start : field.selectionEnd;
    field.setRangeText(text, start, end, 'end');
    field.focus();
    field.dispatchEvent(new Event('input', { bubbles: true }));
  });

  // Parts of a form that only matter for one choice of a select: data-show-if="select-id=value".
  function applyShowIf(root) {
    root.querySelectorAll('[data-show-if]').forEach(function (el) {
      var rule = el.getAttribute('data-show-if').split('=');
      var select = document.getElementById(rule[0]);
      if (select) el.hidden = select.value !== rule[1];
    });
  }
  document.addEventListener('DOMContentLoaded', function () { applyShowIf(document); });
  document.addEventListener('htmx:load', function (e) { applyShowIf(e.detail.elt); });
  document.addEventListener('change', function (e) {
    if (e.target && e.target.id && document.querySelector('[data-show-if^="' + e.target.id + '="]')) applyShowIf(document);
  });

  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') document.querySelectorAll('details.menu[open]').forEach(function (m) { m.removeAttribute('open'); });
  });
})();
