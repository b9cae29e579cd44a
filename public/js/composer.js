// The WhatsApp composer wherever it appears (the inbox, a deal's page): Enter sends, Shift+Enter
// starts a new line, '/' suggests quick replies, replies to a message, the attachment row, and
// a clean composer after each send. The server renders every piece of HTML.
(function () {
  'use strict';

  function openConversationId() {
    var c = document.querySelector('[data-conversation-id]');
    return c ? c.getAttribute('data-conversation-id') : null;
  }

  var fragment = window.par.fragment;
  var parse = window.par.parse;

  function scrollToBottom() {
    var t = document.getElementById('thread');
    if (t) t.scrollTop = t.scrollHeight;
  }

  function autoGrow(textarea) {
    textarea.style.height = 'auto';
    textarea.style.height = Math.min(textarea.scrollHeight, 180) + 'px';
  }

  var quick = { items: [], index: -1 };
  function quickBox() {
    return document.querySelector('[data-quick-replies]');
  }
  function closeQuick() {
    var box = quickBox();
    if (box) {
      box.hidden = true;
      box.innerHTML = '';
    }
    quick = { items: [], index: -1 };
  }
  function highlightQuick() {
    quick.items.forEach(function (el, i) {
      el.setAttribute('aria-selected', i === quick.index ? 'true' : 'false');
    });
  }
  function chooseQuick(textarea, el) {
    textarea.value = el.getAttribute('data-text') || el.textContent;
    closeQuick();
    autoGrow(textarea);
    textarea.focus();
  }
  var quickTimer = null;
  function suggestQuick(textarea) {
    var value = textarea.value;
    if (value.charAt(0) !== '/' || /\s/.test(value)) return closeQuick();
    clearTimeout(quickTimer);
    quickTimer = setTimeout(function () {
      var id = openConversationId();
      fragment('/quick-replies/suggest?q=' + encodeURIComponent(value.slice(1)) + (id ? '&conversation_id=' + id : ''))
        .then(function (html) {
          var box = quickBox();
          if (!box) return;
          box.innerHTML = html;
          quick.items = Array.prototype.slice.call(box.querySelectorAll('[role="option"]'));
          quick.index = quick.items.length ? 0 : -1;
          box.hidden = !quick.items.length;
          highlightQuick();
          quick.items.forEach(function (el) {
            el.addEventListener('mousedown', function (e) {
              e.preventDefault();
              chooseQuick(textarea, el);
            });
          });
        })
        .catch(closeQuick);
    }, 120);
  }

  document.addEventListener('input', function (e) {
    var textarea = e.target.closest && e.target.closest('[data-composer-text]');
    if (!textarea) return;
    autoGrow(textarea);
    suggestQuick(textarea);
  });

  document.addEventListener('keydown', function (e) {
    var textarea = e.target.closest && e.target.closest('[data-composer-text]');
    if (!textarea) return;
    if (quick.items.length) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        quick.index = (quick.index + (e.key === 'ArrowDown' ? 1 : -1) + quick.items.length) % quick.items.length;
        highlightQuick();
        return;
      }
      if ((e.key === 'Enter' || e.key === 'Tab') && quick.index >= 0) {
        e.preventDefault();
        chooseQuick(textarea, quick.items[quick.index]);
        return;
      }
      if (e.key === 'Escape') {
        closeQuick();
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (textarea.value.trim()) textarea.form.requestSubmit();
    }
  });

  function clearReply() {
    document.querySelectorAll('[data-reply-input]').forEach(function (i) {
      i.value = '';
    });
    var chip = document.querySelector('[data-reply-chip]');
    if (chip) chip.hidden = true;
  }

  document.addEventListener('click', function (e) {
    var reply = e.target.closest('[data-reply]');
    if (reply) {
      document.querySelectorAll('[data-reply-input]').forEach(function (i) {
        i.value = reply.getAttribute('data-reply');
      });
      var chip = document.querySelector('[data-reply-chip]');
      if (chip) {
        chip.querySelector('[data-reply-author]').textContent = reply.getAttribute('data-reply-author');
        chip.querySelector('[data-reply-text]').textContent = reply.getAttribute('data-reply-text');
        chip.hidden = false;
      }
      var text = document.querySelector('[data-composer-text]');
      if (text) text.focus();
      return;
    }
    if (e.target.closest('[data-reply-cancel]')) return clearReply();
    if (e.target.closest('[data-attach-cancel]')) {
      var form = e.target.closest('[data-attach-form]');
      form.reset();
      form.classList.remove('has-file');
      return;
    }
  });

  document.addEventListener('change', function (e) {
    var input = e.target.closest && e.target.closest('[data-attach-input]');
    if (!input) return;
    var form = input.form;
    var file = input.files && input.files[0];
    form.classList.toggle('has-file', Boolean(file));
    form.querySelector('[data-attach-name]').textContent = file ? file.name : '';
    form.querySelector('[data-attach-cancel]').hidden = !file;
    var caption = form.querySelector('input[name="caption"]');
    if (file && caption) caption.focus();
  });

  // A response for something already shown (live events can be faster) is not added twice.
  document.body.addEventListener('htmx:beforeSwap', function (e) {
    var target = e.detail.target;
    if (!target || target.id !== 'thread-items' || !e.detail.xhr || e.detail.xhr.status >= 300) return;
    var el = parse(e.detail.serverResponse || '');
    if (el && el.id && document.getElementById(el.id)) {
      e.detail.shouldSwap = false;
      document.getElementById(el.id).replaceWith(el);
      htmx.process(el);
    }
  });

  document.body.addEventListener('htmx:afterRequest', function (e) {
    var form = e.detail.elt;
    if (!e.detail.successful || !form || form.tagName !== 'FORM') return;
    if (form.matches('[data-composer], [data-attach-form], [data-note-form]')) {
      form.reset();
      form.classList.remove('has-file');
      clearReply();
      closeQuick();
      var text = form.querySelector('textarea');
      if (text) {
        autoGrow(text);
        if (form.matches('[data-composer]')) text.focus();
      }
      var details = form.closest('details');
      if (details) details.removeAttribute('open');
      scrollToBottom();
    }
  });

})();
