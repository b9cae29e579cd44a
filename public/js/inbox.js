// The inbox's live behaviour: Server-Sent Events keep the list and the open thread current,
// the composer sends on Enter, replies and quick replies, keyboard shortcuts, notifications.
// The server renders every piece of HTML; this file only fetches and places fragments.
(function () {
  'use strict';
  var inbox = document.getElementById('inbox');
  if (!inbox) return;

  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
  var baseTitle = document.title.replace(/^\(\d+\)\s*/, '');
  var unread = 0;

  function openConversationId() {
    var c = document.getElementById('conversation');
    return c ? c.getAttribute('data-conversation-id') : null;
  }

  var fragment = window.par.fragment;
  var parse = window.par.parse;

  // ----- the thread -------------------------------------------------------------------------
  function thread() {
    return document.getElementById('thread');
  }
  function nearBottom() {
    var t = thread();
    return !t || t.scrollHeight - t.scrollTop - t.clientHeight < 160;
  }
  function scrollToBottom() {
    var t = thread();
    if (t) t.scrollTop = t.scrollHeight;
  }

  /** Puts a bubble or note in the thread: replaces the one with its id, or appends it. */
  function upsertItem(html) {
    var el = parse(html);
    var items = document.getElementById('thread-items');
    if (!el || !items) return;
    var stick = nearBottom();
    var existing = el.id && document.getElementById(el.id);
    if (existing) existing.replaceWith(el);
    else {
      var empty = items.querySelector('.thread-empty');
      if (empty) empty.remove();
      items.appendChild(el);
    }
    htmx.process(el);
    if (stick || !existing) scrollToBottom();
  }

  function refreshItem(conversationId, messageId) {
    return fragment('/inbox/conversations/' + conversationId + '/items/' + messageId).then(upsertItem).catch(function () {});
  }

  function refreshRegion(conversationId, region, id) {
    return fragment('/inbox/conversations/' + conversationId + '/' + region)
      .then(function (html) {
        var el = parse(html);
        var old = document.getElementById(id);
        if (el && old && openConversationId() === conversationId) {
          old.replaceWith(el);
          htmx.process(el);
        }
      })
      .catch(function () {});
  }

  function refreshComposer(conversationId) {
    var composer = document.getElementById('composer');
    // Never throw away what the agent is typing.
    var text = composer && composer.querySelector('[data-composer-text]');
    if (text && text.value.trim()) return;
    refreshRegion(conversationId, 'composer', 'composer');
  }

  // ----- the list ---------------------------------------------------------------------------
  var listTimer = null;
  function refreshList() {
    var list = document.getElementById('conversation-list');
    if (!list) return;
    if (listTimer) return;
    listTimer = setTimeout(function () {
      listTimer = null;
      var query = inbox.getAttribute('data-query') || location.search.replace(/^\?/, '');
      fragment('/inbox/list' + (query ? '?' + query : '')).then(function (html) {
        list.innerHTML = html;
        htmx.process(list);
        markActive();
      });
    }, 400);
  }

  function refreshRow(conversationId) {
    var list = document.getElementById('conversation-list');
    if (!list) return;
    // At the top of the list, reload the first page (order and filters change); deeper
    // down, update the row in place so the agent does not lose their place.
    if (list.scrollTop < 200) return refreshList();
    var row = document.getElementById('conv-' + conversationId);
    if (!row) return;
    fragment('/inbox/rows/' + conversationId).then(function (html) {
      var el = parse(html);
      if (el) {
        row.replaceWith(el);
        htmx.process(el);
        markActive();
      }
    });
  }

  function markActive() {
    var id = openConversationId();
    document.querySelectorAll('.conv-row').forEach(function (row) {
      row.classList.toggle('active', row.getAttribute('data-conversation') === id);
    });
  }

  // ----- unread counts in the title and the navigation ----------------------------------------
  function refreshCounts() {
    fetch('/inbox/counts', { credentials: 'same-origin' })
      .then(function (r) {
        return r.json();
      })
      .then(function (data) {
        unread = data.unread;
        document.title = (unread ? '(' + unread + ') ' : '') + baseTitle;
        document.querySelectorAll('.primary-nav a[href="/inbox"]').forEach(function (link) {
          var badge = link.querySelector('.nav-badge');
          if (!unread) {
            if (badge) badge.remove();
            return;
          }
          if (!badge) {
            badge = document.createElement('span');
            badge.className = 'nav-badge';
            link.appendChild(badge);
          }
          badge.textContent = unread > 99 ? '99+' : String(unread);
        });
      })
      .catch(function () {});
  }

  // ----- browser notifications --------------------------------------------------------------
  function notify(messageId) {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    fetch('/inbox/notify/' + messageId, { credentials: 'same-origin' })
      .then(function (r) {
        return r.json();
      })
      .then(function (n) {
        if (!n.for_me) return;
        if (!document.hidden && n.conversation_id === openConversationId()) return;
        var note = new Notification(n.title, { body: n.body, tag: n.conversation_id });
        note.onclick = function () {
          window.focus();
          location.href = '/inbox/conversations/' + n.conversation_id;
        };
      })
      .catch(function () {});
  }

  function setupNotifyButton() {
    var btn = document.querySelector('[data-enable-notifications]');
    if (!btn || !('Notification' in window) || Notification.permission !== 'default') return;
    btn.hidden = false;
    btn.addEventListener('click', function () {
      Notification.requestPermission().then(function () {
        btn.hidden = true;
      });
    });
  }

  function markReadNow(conversationId) {
    if (document.hidden) return;
    fetch('/inbox/conversations/' + conversationId + '/read', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf } }).catch(function () {});
  }

  // ----- live events ------------------------------------------------------------------------
  var source = null;
  var lostConnection = false;
  function connect() {
    source = new EventSource('/events');
    source.addEventListener('open', function () {
      // After a gap, events may have been missed: bring everything up to date.
      if (lostConnection) {
        lostConnection = false;
        refreshList();
        var id = openConversationId();
        if (id) {
          refreshRegion(id, 'header', 'conv-header');
          fragment('/inbox/conversations/' + id).then(function (html) {
            var pane = document.getElementById('conversation-pane');
            var text = document.querySelector('[data-composer-text]');
            if (pane && !(text && text.value.trim())) {
              pane.innerHTML = html;
              htmx.process(pane);
              scrollToBottom();
            }
          });
        }
        refreshCounts();
      }
    });
    source.addEventListener('error', function () {
      lostConnection = true;
    });
    function on(type, fn) {
      source.addEventListener(type, function (e) {
        try {
          fn(JSON.parse(e.data));
        } catch (err) {
          /* a malformed event changes nothing */
        }
      });
    }
    on('message.created', function (d) {
      if (d.conversation_id === openConversationId()) {
        refreshItem(d.conversation_id, d.message_id).then(function () {
          if (d.direction === 'inbound') {
            markReadNow(d.conversation_id);
            var composer = document.getElementById('composer');
            if (composer && composer.getAttribute('data-window-open') !== 'true') refreshComposer(d.conversation_id);
            refreshRegion(d.conversation_id, 'header', 'conv-header');
          }
        });
      }
      refreshRow(d.conversation_id);
      refreshCounts();
      if (d.direction === 'inbound') notify(d.message_id);
    });
    on('message.updated', function (d) {
      if (d.conversation_id === openConversationId()) refreshItem(d.conversation_id, d.message_id);
      refreshRow(d.conversation_id);
    });
    on('note.created', function (d) {
      if (d.conversation_id === openConversationId() && !document.getElementById('note-' + d.note_id)) {
        fragment('/inbox/conversations/' + d.conversation_id + '/notes/' + d.note_id).then(upsertItem).catch(function () {});
      }
    });
    on('conversation.updated', function (d) {
      if (d.conversation_id === openConversationId() && d.change !== 'read') refreshRegion(d.conversation_id, 'header', 'conv-header');
      refreshRow(d.conversation_id);
      refreshCounts();
    });
  }

  document.addEventListener('click', function (e) {
    var toggle = e.target.closest('[data-toggle-panel]');
    if (toggle && window.matchMedia('(max-width: 1180px)').matches) {
      e.preventDefault();
      inbox.classList.toggle('panel-open');
      document.querySelectorAll('details.menu[open]').forEach(function (m) {
        m.removeAttribute('open');
      });
    }
    var row = e.target.closest('.conv-row');
    if (row) {
      document.querySelectorAll('.conv-row.active').forEach(function (r) {
        r.classList.remove('active');
      });
      row.classList.add('active');
      // Opening it reads it: the badge goes at once (the server confirms with a live update).
      row.classList.remove('unread');
      var badge = row.querySelector('.unread-badge');
      if (badge) badge.remove();
    }
  });

  document.body.addEventListener('template-sent', function () {
    var box = document.getElementById('template-form');
    if (box) box.innerHTML = '';
    var select = document.querySelector('.template-picker select');
    if (select) select.value = '';
  });

  document.body.addEventListener('htmx:afterSwap', function (e) {
    if (e.detail.target && e.detail.target.id === 'conversation-pane') {
      inbox.classList.add('has-selection');
      inbox.classList.remove('panel-open');
      markActive();
      scrollToBottom();
      var c = document.getElementById('conversation');
      if (c) document.title = (unread ? '(' + unread + ') ' : '') + c.getAttribute('data-contact-name') + ' · PAR CRM';
      baseTitle = document.title.replace(/^\(\d+\)\s*/, '');
      refreshCounts();
    }
    if (e.detail.target && e.detail.target.classList && e.detail.target.classList.contains('load-earlier')) {
      // Earlier messages went in above: keep the agent's view where it was.
    }
  });

  // ----- keyboard shortcuts ---------------------------------------------------------------------
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function moveSelection(step) {
    var rows = Array.prototype.slice.call(document.querySelectorAll('.conv-row'));
    if (!rows.length) return;
    var current = rows.findIndex(function (r) {
      return r.classList.contains('active');
    });
    var next = rows[Math.max(0, Math.min(rows.length - 1, current + step))] || rows[0];
    next.click();
    next.scrollIntoView({ block: 'nearest' });
  }
  document.addEventListener('keydown', function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Escape' && typing(e.target)) {
      e.target.blur();
      return;
    }
    if (typing(e.target)) return;
    if (e.key === 'j') moveSelection(1);
    else if (e.key === 'k') moveSelection(-1);
    else if (e.key === 'r') {
      var text = document.querySelector('[data-composer-text]') || document.querySelector('.template-picker select');
      if (text) {
        e.preventDefault();
        text.focus();
      }
    } else if (e.key === 'e') {
      var resolve = document.querySelector('[data-action="resolve"]');
      if (resolve) resolve.click();
    } else if (e.key === '?') {
      var help = document.getElementById('keyboard-help');
      if (help && help.showModal) help.showModal();
    } else return;
  });

  // ----- start ------------------------------------------------------------------------------
  scrollToBottom();
  markActive();
  setupNotifyButton();
  refreshCounts();
  if (window.EventSource) connect();
  window.addEventListener('pageshow', function () {
    refreshCounts();
  });
})();
