// The shelves (values, rows, columns, filters) and the two ways to fill them:
// dragging with a pointer, and a keyboard menu on every field, metric and
// chip. Dragging is built on pointer events, so mouse, pen and touch work the
// same way and no HTML5 drag-and-drop quirks apply.

import { el } from './catalog.js';
import { describeFilter, dimName } from './state.js';

const shelfNames = { values: 'Values', rows: 'Rows', cols: 'Columns', filters: 'Filters' };

// ---- the keyboard menu ----

let menuReturn = null;

export function closeMenu() {
  const m = document.getElementById('menu');
  if (m.hidden) return;
  m.hidden = true;
  m.replaceChildren();
  if (menuReturn && document.contains(menuReturn)) menuReturn.focus();
  menuReturn = null;
}

export function showMenu(anchor, label, items) {
  const m = document.getElementById('menu');
  menuReturn = anchor;
  m.setAttribute('aria-label', label);
  m.replaceChildren(...items.map((it) => {
    const b = el('button', { type: 'button', role: 'menuitem', tabindex: '-1', text: it.label });
    b.addEventListener('click', () => { const ret = menuReturn; menuReturn = null; closeMenu(); it.run(ret); });
    return b;
  }));
  const r = anchor.getBoundingClientRect();
  m.style.left = `${r.left + window.scrollX}px`;
  m.style.top = `${r.bottom + window.scrollY + 2}px`;
  m.hidden = false;
  m.firstChild?.focus();
}

function menuKeys(e) {
  const m = document.getElementById('menu');
  if (m.hidden) return;
  const items = [...m.querySelectorAll('button')];
  const i = items.indexOf(document.activeElement);
  if (e.key === 'ArrowDown') { items[(i + 1) % items.length].focus(); e.preventDefault(); }
  else if (e.key === 'ArrowUp') { items[(i - 1 + items.length) % items.length].focus(); e.preventDefault(); }
  else if (e.key === 'Home') { items[0].focus(); e.preventDefault(); }
  else if (e.key === 'End') { items[items.length - 1].focus(); e.preventDefault(); }
  else if (e.key === 'Escape' || e.key === 'Tab') { closeMenu(); e.preventDefault(); }
}

// itemMenu is the menu of a field or metric in the panel.
function itemMenu(btn, cat, actions) {
  const name = btn.dataset.name;
  if (btn.getAttribute('aria-disabled') === 'true') {
    actions.announce(`${cat.label(name)} is unavailable: ${btn.querySelector('.why')?.textContent || ''}`);
    return;
  }
  let items;
  if (btn.dataset.kind === 'tag') {
    items = [{ label: 'Add to the audience (AND)', run: () => actions.addTag(name) },
      { label: 'Add to the audience (OR)', run: () => actions.addTag(name, { op: 'OR' }) },
      { label: 'Add to the audience with NOT', run: () => actions.addTag(name, { not: true }) }];
  } else if (btn.dataset.kind === 'metric') {
    items = [{ label: 'Add to values', run: () => actions.add(name, 'values') }, { label: 'Filter on it (having)', run: () => actions.add(name, 'filters') }];
  } else {
    items = ['rows', 'cols', 'filters'].map((s) => ({ label: `Add to ${shelfNames[s].toLowerCase()}`, run: () => actions.add(name, s) }));
  }
  showMenu(btn, `Add ${cat.label(name)}`, items);
}

function chipMenu(btn, shelf, index, actions) {
  const items = [];
  if (shelf === 'filters') items.push({ label: 'Edit filter', run: () => actions.editFilter(index) });
  if (shelf === 'rows' || shelf === 'cols') {
    const other = shelf === 'rows' ? 'cols' : 'rows';
    items.push({ label: `Move to ${shelfNames[other].toLowerCase()}`, run: () => actions.move(shelf, index, other) });
    items.push({ label: 'Move left', run: () => actions.reorder(shelf, index, -1) });
    items.push({ label: 'Move right', run: () => actions.reorder(shelf, index, 1) });
    items.push({ label: 'Filter on it', run: () => actions.filterOn(shelf, index) });
  }
  if (shelf === 'values') {
    items.push({ label: 'Move left', run: () => actions.reorder(shelf, index, -1) });
    items.push({ label: 'Move right', run: () => actions.reorder(shelf, index, 1) });
  }
  items.push({ label: 'Remove', run: () => actions.remove(shelf, index) });
  showMenu(btn, 'Chip actions', items);
}

// ---- the shelves ----

export function renderShelves(state, cat, actions) {
  for (const shelf of Object.keys(shelfNames)) {
    const ul = document.querySelector(`.drop[data-drop=${shelf}]`);
    const entries = state[shelf];
    ul.replaceChildren(...entries.map((entry, i) => {
      const name = shelf === 'values' ? entry : entry.f;
      const isMetric = !!cat.metric(name);
      const text = shelf === 'filters' ? describeFilter(entry, cat.label(name)) : cat.label(name);
      const li = el('li', { class: `chip${isMetric ? ' metric' : ''}`, 'data-name': shelf === 'filters' ? name : (shelf === 'values' ? name : dimName(entry)) });
      const handle = el('button', { type: 'button', class: 'handle', 'aria-haspopup': 'menu', 'data-shelf': shelf, 'data-index': String(i), 'data-name': name, 'data-kind': 'chip', title: `${name}: Enter for actions, Delete to remove` , text });
      li.append(handle);
      const f = cat.field(name);
      if (shelf !== 'values' && shelf !== 'filters' && f && f.grains && f.grains.length) {
        const sel = el('select', { 'aria-label': `Time grain of ${cat.label(name)}`, class: 'grain' });
        for (const g of f.grains) sel.append(el('option', { value: g, text: g, selected: entry.g === g }));
        sel.addEventListener('change', () => actions.setGrain(shelf, i, sel.value));
        li.append(sel);
      }
      const rm = el('button', { type: 'button', class: 'remove', 'aria-label': `Remove ${cat.label(name)} from ${shelfNames[shelf].toLowerCase()}`, text: '×' });
      rm.addEventListener('click', () => actions.remove(shelf, i));
      li.append(rm);
      return li;
    }));
  }
}

// ---- wiring: clicks, keys and pointer drags ----

export function wireInteractions(cat, actions) {
  let drag = null;
  let suppressClick = false;
  // Some key sources deliver the character of a handled key as a separate
  // keypress; the "/" that moved the focus must not land in the search box.
  let slashPending = false;
  document.addEventListener('keypress', (e) => {
    if (slashPending && e.key === '/') e.preventDefault();
    slashPending = false;
  });

  document.addEventListener('keydown', (e) => {
    menuKeys(e);
    const t = e.target;
    if (e.key === '/' && !(t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement)) {
      const search = document.getElementById('search');
      search.focus();
      search.select();
      e.preventDefault();
      slashPending = true;
      return;
    }
    slashPending = false;
    if (!(t instanceof HTMLElement) || !t.dataset) return;
    if (t.dataset.kind === 'chip' && (e.key === 'Delete' || e.key === 'Backspace')) {
      actions.remove(t.dataset.shelf, Number(t.dataset.index));
      e.preventDefault();
    }
  });

  document.addEventListener('click', (e) => {
    if (suppressClick) { suppressClick = false; e.preventDefault(); return; }
    const btn = e.target.closest?.('button[data-kind]');
    if (!btn) {
      if (!e.target.closest?.('#menu')) closeMenu();
      return;
    }
    if (btn.dataset.kind === 'chip') chipMenu(btn, btn.dataset.shelf, Number(btn.dataset.index), actions);
    else itemMenu(btn, cat, actions);
  });

  document.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    const src = e.target.closest?.('button[data-kind]');
    if (!src) return;
    drag = { src, x: e.clientX, y: e.clientY, started: false, ghost: null, over: null };
  });

  document.addEventListener('pointermove', (e) => {
    if (!drag) return;
    if (!drag.started) {
      if (Math.hypot(e.clientX - drag.x, e.clientY - drag.y) < 5) return;
      if (drag.src.getAttribute('aria-disabled') === 'true') { drag = null; return; }
      drag.started = true;
      closeMenu();
      drag.ghost = el('div', { class: 'ghost', 'aria-hidden': 'true', text: cat.label(drag.src.dataset.name) });
      document.body.append(drag.ghost);
    }
    drag.ghost.style.left = `${e.clientX + 8}px`;
    drag.ghost.style.top = `${e.clientY + 8}px`;
    const over = document.elementFromPoint(e.clientX, e.clientY)?.closest('[data-drop]') || null;
    if (over !== drag.over) {
      drag.over?.classList.remove('over');
      over?.classList.add('over');
      drag.over = over;
    }
  });

  document.addEventListener('pointerup', () => {
    if (!drag) return;
    const d = drag;
    drag = null;
    if (!d.started) return;
    suppressClick = true;
    setTimeout(() => { suppressClick = false; }, 0);
    d.ghost.remove();
    d.over?.classList.remove('over');
    if (!d.over) return;
    actions.markInteraction();
    const target = d.over.dataset.drop;
    const s = d.src.dataset;
    if (s.kind === 'chip') {
      if (target === 'remove') actions.remove(s.shelf, Number(s.index));
      else if (target !== s.shelf) actions.move(s.shelf, Number(s.index), target);
    } else if (s.kind === 'tag' || target === 'audience') {
      if (s.kind === 'tag' && target === 'audience') actions.addTag(s.name);
      else actions.announce(s.kind === 'tag' ? 'Tags go to the audience.' : 'The audience takes tags.');
    } else if (target !== 'remove') {
      actions.add(s.name, target);
    }
  });
}
