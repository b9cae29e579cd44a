// The sandbox simulator stays current: whatever the business sends (and its delivery state)
// appears on the simulated phone as it happens.
(function () {
  'use strict';
  var thread = document.querySelector('[data-sandbox-thread]');
  if (!thread || !window.EventSource) return;
  var timer = null;
  function refresh() {
    if (timer) return;
    timer = setTimeout(function () {
      timer = null;
      htmx.ajax('GET', thread.getAttribute('data-sandbox-thread'), { target: '#sandbox-thread', swap: 'innerHTML' }).then(scroll);
    }, 150);
  }
  function scroll() {
    thread.scrollTop = thread.scrollHeight;
  }
  var source = new EventSource('/events');
  ['message.created', 'message.updated'].forEach(function (type) {
    source.addEventListener(type, function (e) {
      var data = JSON.parse(e.data);
      var items = thread.querySelector('[data-conversation-id]');
      var current = items && items.getAttribute('data-conversation-id');
      if (!current || current === data.conversation_id) refresh();
    });
  });
  document.body.addEventListener('htmx:afterRequest', function (e) {
    var form = e.detail.elt;
    if (e.detail.successful && form && form.hasAttribute && form.hasAttribute('data-sandbox-form')) form.reset();
  });
  document.body.addEventListener('htmx:afterSwap', function (e) {
    if (e.detail.target === thread) scroll();
  });
  scroll();
})();
