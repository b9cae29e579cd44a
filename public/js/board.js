// The pipeline board: drag and drop with SortableJS, a "move to stage" dialog, and Alt + arrow
// keys on a focused card. Every move is POSTed to /deals/:id/move through htmx, which swaps the
// totals of the columns involved (out-of-band). Moving into a lost stage asks for the reason
// first. Without JavaScript, deals move from their own page.
(function () {
  'use strict';

  // Says what happened to screen readers, from the texts the page carries (data-moved, data-failed).
  function say(kind, title, stage) {
    var region = document.getElementById('board-status');
    if (!region) return '';
    var text = (region.getAttribute('data-' + kind) || '').replace('{title}', title).replace('{stage}', stage || '');
    region.textContent = text;
    return text;
  }

  function board() { return document.getElementById('board'); }
  function cardOf(el) { return el && el.closest ? el.closest('.deal-card') : null; }
  function listOf(card) { return card.closest('.deal-list'); }
  function lists() { return Array.prototype.slice.call(document.querySelectorAll('#board .deal-list')); }
  function cardTitle(card) { var a = card.querySelector('.deal-title'); return a ? a.textContent.trim() : ''; }

  function sibling(card, dir) {
    var el = card[dir];
    while (el && !el.classList.contains('deal-card')) el = el[dir];
    return el;
  }

  // Keep a card above the column's "show more" row, never below it.
  function tidy(card) {
    var list = listOf(card);
    var more = list && list.querySelector('.column-more');
    if (more && card.previousElementSibling === more) list.insertBefore(card, more);
  }

  // Where the card now sits in its column, as the server understands it.
  function placement(card) {
    var prev = sibling(card, 'previousElementSibling');
    var next = sibling(card, 'nextElementSibling');
    if (prev) return { after_id: prev.getAttribute('data-deal-id') };
    if (next) return { before_id: next.getAttribute('data-deal-id') };
    return { position: '0' };
  }

  function send(card, values, undo) {
    var list = listOf(card);
    values.stage_id = list.getAttribute('data-stage-id');
    values.board = board().getAttribute('data-filters') || '';
    var id = card.getAttribute('data-deal-id');
    card.classList.remove('just-moved');
    htmx.ajax('POST', '/deals/' + id + '/move', { source: card, values: values, swap: 'none' }).then(function () {
      card.classList.add('just-moved');
    });
    pending.set(card, undo);
    say('moved', cardTitle(card), list.getAttribute('data-stage-name'));
  }

  // Failed moves (a 4xx or 5xx answer): put the card back and say so.
  var pending = new Map();
  document.addEventListener('htmx:afterRequest', function (e) {
    var card = e.detail.elt;
    if (!pending.has(card)) return;
    var undo = pending.get(card);
    pending.delete(card);
    var xhr = e.detail.xhr;
    if (xhr && xhr.status >= 300) {
      if (undo) undo();
      var text = say('failed', cardTitle(card));
      // Other errors are already shown by app.js (the server's plain-text message).
      if (xhr.status === 422 && window.par) window.par.toast(text);
    }
  });

  // Moving into a lost stage: ask for the reason in the dialog, then send (or undo on cancel).
  function askReason(card, done) {
    var dialog = document.getElementById('lost-dialog');
    var select = dialog.querySelector('select');
    var subject = dialog.querySelector('[data-lost-subject]');
    if (subject) subject.textContent = cardTitle(card);
    select.value = '';
    dialog.returnValue = '';
    dialog.addEventListener('close', function onClose() {
      dialog.removeEventListener('close', onClose);
      done(dialog.returnValue === 'confirm' && select.value ? select.value : null);
    });
    dialog.showModal();
    select.focus();
  }

  function moveWith(card, fromList, fromNext, extra) {
    var undo = function () {
      fromList.insertBefore(card, fromNext && fromNext.parentNode === fromList ? fromNext : null);
      tidy(card);
      card.querySelector('.deal-title').focus();
    };
    var list = listOf(card);
    if (list.getAttribute('data-kind') === 'lost' && list !== fromList) {
      askReason(card, function (reason) {
        if (!reason) return undo();
        var values = extra || placement(card);
        values.lost_reason = reason;
        send(card, values, undo);
      });
      return;
    }
    send(card, extra || placement(card), undo);
  }

  // Drag and drop.
  function init(root) {
    if (typeof Sortable === 'undefined') return;
    root.querySelectorAll('.deal-list').forEach(function (list) {
      if (list.sortable) return;
      var from = null;
      list.sortable = Sortable.create(list, {
        group: 'deals',
        draggable: '.deal-card',
        filter: 'button, .column-more',
        preventOnFilter: false,
        animation: 150,
        delay: 180,
        delayOnTouchOnly: true,
        ghostClass: 'drag-ghost',
        chosenClass: 'drag-chosen',
        dragClass: 'drag-active',
        onStart: function (evt) { from = { list: evt.from, next: evt.item.nextElementSibling }; },
        onEnd: function (evt) {
          if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
          tidy(evt.item);
          moveWith(evt.item, from.list, from.next);
        },
      });
    });
    root.querySelectorAll('[data-move]').forEach(function (b) { b.hidden = false; });
  }

  // The "move to stage" dialog, opened from a card's move button.
  var moving = null;
  document.addEventListener('click', function (e) {
    var button = e.target.closest('[data-move]');
    if (!button) return;
    var card = cardOf(button);
    var dialog = document.getElementById('move-dialog');
    moving = card;
    var current = listOf(card).getAttribute('data-stage-id');
    dialog.querySelectorAll('.stage-choice').forEach(function (c) {
      c.setAttribute('aria-current', c.value === current ? 'true' : 'false');
    });
    dialog.querySelector('[data-move-subject]').textContent = cardTitle(card);
    dialog.returnValue = '';
    dialog.showModal();
  });
  document.addEventListener('close', function (e) {
    if (!e.target || e.target.id !== 'move-dialog' || !moving) return;
    var card = moving;
    moving = null;
    var stageId = e.target.returnValue;
    if (!stageId) return card.querySelector('[data-move]').focus();
    toStage(card, stageId);
  }, true);

  // Puts a card at the top of another column and saves it.
  function toStage(card, stageId) {
    var target = document.querySelector('#board .deal-list[data-stage-id="' + stageId + '"]');
    var fromList = listOf(card);
    if (!target || target === fromList) return card.querySelector('.deal-title').focus();
    var fromNext = card.nextElementSibling;
    var first = target.querySelector('.deal-card');
    target.insertBefore(card, first || target.querySelector('.column-more'));
    card.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    card.querySelector('.deal-title').focus();
    moveWith(card, fromList, fromNext, { position: '0' });
  }

  // Alt + arrows on a focused card: left/right to the neighbouring stage, up/down within it.
  document.addEventListener('keydown', function (e) {
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    var card = cardOf(document.activeElement);
    if (!card || !board() || !board().contains(card)) return;
    var all = lists();
    var list = listOf(card);
    var i = all.indexOf(list);
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      var target = all[i + (e.key === 'ArrowLeft' ? -1 : 1)];
      e.preventDefault();
      if (target) toStage(card, target.getAttribute('data-stage-id'));
    } else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      e.preventDefault();
      var up = e.key === 'ArrowUp';
      var other = sibling(card, up ? 'previousElementSibling' : 'nextElementSibling');
      if (!other) return;
      var fromNext = card.nextElementSibling;
      list.insertBefore(card, up ? other : other.nextElementSibling);
      card.querySelector('.deal-title').focus();
      moveWith(card, list, fromNext, up ? { before_id: other.getAttribute('data-deal-id') } : { after_id: other.getAttribute('data-deal-id') });
    }
  });

  document.addEventListener('DOMContentLoaded', function () { init(document); });
  document.addEventListener('htmx:load', function (e) { init(e.detail.elt.closest ? (e.detail.elt.closest('#board') || e.detail.elt) : document); });
})();
