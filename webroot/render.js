// Drawing the model into the page. Every figure is formatted for people with its exact string
// kept in the element's title (format.show); nothing here talks to the network.

import * as fmt from './format.js';

const $ = (id) => document.getElementById(id);

function el(tag, { className, text, title, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  if (title !== undefined && title !== null) {
    node.title = String(title);
  }
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      node.setAttribute(k, v);
    }
  }
  for (const child of children) {
    node.append(child);
  }
  return node;
}

function cell(text, exact, className = 'num') {
  const td = el('td', { className, text });
  if (exact !== undefined && exact !== null) {
    td.title = String(exact);
    td.dataset.exact = String(exact);
  }
  return td;
}

/** The portfolio picker: the readable portfolios as a tree (children under their parent). */
export function picker(portfolios, selectedId) {
  const select = $('portfolio-picker');
  select.replaceChildren();
  const ids = new Set(portfolios.map((p) => p.id));
  const children = new Map();
  for (const p of portfolios) {
    // A portfolio whose parent the caller may not read is a root of what it sees.
    const parent = p.parentId && ids.has(p.parentId) ? p.parentId : '';
    if (!children.has(parent)) {
      children.set(parent, []);
    }
    children.get(parent).push(p);
  }
  const walk = (parent, depth) => {
    for (const p of (children.get(parent) || []).sort((a, b) => a.id.localeCompare(b.id))) {
      const indent = '\u00a0\u00a0\u00a0'.repeat(depth) + (depth ? '└ ' : '');
      const option = el('option', { text: `${indent}${p.name} (${p.id})`, attrs: { value: p.id } });
      option.dataset.depth = String(depth);
      option.selected = p.id === selectedId;
      select.append(option);
      walk(p.id, depth + 1);
    }
  };
  walk('', 0);
  select.disabled = portfolios.length === 0;
}

/** The connection indicator: state plus reconnect count. */
export function connection(state, { reconnects = 0, detail = '' } = {}) {
  const indicator = $('connection');
  const labels = {
    connecting: 'connecting…',
    live: 'live',
    reconnecting: 'reconnecting…',
    polling: 'polling',
    offline: 'offline',
  };
  let text = labels[state] || state;
  if (reconnects > 0 && (state === 'live' || state === 'reconnecting' || state === 'polling')) {
    text += ` · ${reconnects} reconnect${reconnects === 1 ? '' : 's'}`;
  }
  indicator.dataset.state = state;
  indicator.dataset.reconnects = String(reconnects);
  indicator.querySelector('.connection-text').textContent = text;
  indicator.title = detail || text;
}

function weightIndex(weights) {
  const byKey = new Map();
  for (const w of weights || []) {
    byKey.set(w.key, w);
  }
  return byKey;
}

/** Title row and KPIs. */
export function header(model) {
  const p = model.portfolio;
  const base = p.baseCurrency;
  $('portfolio-name').textContent = p.name;
  $('portfolio-meta').textContent = `${p.id} · ${base} · ${p.costMethod.toLowerCase()} cost`
    + (p.parentId ? ` · in ${p.parentId}` : '');
  const valuation = p.valuation || {};
  $('as-of').textContent = `version ${p.version}` + (valuation.asOf ? ` · valued ${fmt.dateTime(valuation.asOf)}` : '');
  $('as-of').title = valuation.asOf || '';
  $('as-of').dataset.version = String(p.version);

  fmt.show($('nav'), fmt.money(valuation.nav, base), valuation.nav);
  $('nav-note').textContent = valuation.complete === false ? 'incomplete: a price or FX rate is missing' : base;

  const day = model.dayPnl;
  const dayEl = $('day-pnl');
  if (day && day.value !== null) {
    fmt.show(dayEl, fmt.money(day.value, base, { signed: true }), day.exact);
    dayEl.className = `kpi-value ${fmt.tone(day.value)}`;
    $('day-pnl-note').textContent = day.note;
  } else {
    fmt.show(dayEl, '—', '');
    $('day-pnl-note').textContent = day ? day.note : '';
  }

  let unrealized = 0;
  let known = true;
  for (const position of p.positions || []) {
    const pnl = fmt.num(position.unrealizedPnl);
    const mv = fmt.num(position.marketValue);
    const mvBase = fmt.num(position.marketValueBase);
    if (pnl === null || mv === null || mvBase === null) {
      known = known && fmt.num(position.quantity) === 0;
      continue;
    }
    // Unrealized P&L is in the instrument's currency; converted at the line's own rate.
    unrealized += mv === 0 ? 0 : pnl * (mvBase / mv);
  }
  const unrealizedEl = $('unrealized');
  fmt.show(unrealizedEl, fmt.money(unrealized, base, { signed: true }), unrealized.toString());
  unrealizedEl.className = `kpi-value ${fmt.tone(unrealized)}`;
  if (!known) {
    unrealizedEl.title += ' (some lines unpriced)';
  }

  let cash = 0;
  let cashKnown = true;
  for (const line of p.cash || []) {
    const b = fmt.num(line.balanceBase);
    if (b === null) {
      cashKnown = false;
    } else {
      cash += b;
    }
  }
  fmt.show($('cash-total'), fmt.money(cash, base), cash.toString());
  $('cash-note').textContent = `${(p.cash || []).length} currenc${(p.cash || []).length === 1 ? 'y' : 'ies'}`
    + (cashKnown ? '' : ' · some without a rate');

  const breached = (model.weights || []).filter((w) => w.breached === true);
  const breachesEl = $('breaches');
  fmt.show(breachesEl, String(breached.length), breached.map((w) => w.key).join(', '));
  breachesEl.className = `kpi-value ${breached.length ? 'down' : ''}`;
  $('threshold-note').textContent = `threshold ${fmt.percent(p.driftThreshold)}`;
}

/** The positions table, joined with the weights (target, drift, breach) by instrument. */
export function positions(model, changedInstruments = new Set()) {
  const p = model.portfolio;
  const base = p.baseCurrency;
  const weights = weightIndex(model.weights);
  const tbody = document.querySelector('#positions tbody');
  const rows = [];
  const shown = new Set();
  const open = (p.positions || []).filter((position) => fmt.num(position.quantity) !== 0);
  for (const position of open) {
    const w = weights.get(position.instrumentId);
    shown.add(position.instrumentId);
    const tr = el('tr');
    tr.dataset.instrument = position.instrumentId;
    tr.dataset.strategy = position.strategy;
    const name = el('td', { className: 'instrument' }, [position.instrumentId]);
    if (position.strategy && position.strategy !== 'default') {
      name.append(el('small', { text: position.strategy }));
    }
    if (w && w.breached) {
      tr.classList.add('breach');
      tr.dataset.breached = 'true';
      name.append(el('span', { className: 'badge breach', text: 'drift', title: 'drift beyond the threshold' }));
    }
    if (changedInstruments.has(position.instrumentId)) {
      tr.classList.add('updated');
    }
    const pnl = fmt.num(position.unrealizedPnl);
    tr.append(
      name,
      cell(fmt.quantity(position.quantity), position.quantity),
      cell(fmt.price(position.averageCost), `${position.averageCost} ${position.currency}`),
      cell(fmt.price(position.price), position.price === null || position.price === undefined ? 'no price'
        : `${position.price} ${position.currency}`, 'num price'),
      cell(fmt.money(position.marketValueBase, base), position.marketValueBase, 'num market-value'),
      cell(fmt.money(position.unrealizedPnl, position.currency, { signed: true }), position.unrealizedPnl,
        `num ${fmt.tone(pnl)}`),
      cell(fmt.percent(position.weight), position.weight, 'num weight'),
      cell(w ? fmt.percent(w.targetWeight) : '—', w ? w.targetWeight : null, 'num target'),
      cell(w && w.drift !== null ? fmt.percent(w.drift, { signed: true }) : '—', w ? w.drift : null,
        `num drift ${w && w.breached ? 'down' : ''}`),
    );
    rows.push(tr);
  }
  // Targets of instruments not held: a drift of minus the target, shown so it is not missed.
  for (const w of model.weights || []) {
    if (w.key.startsWith('cash:') || shown.has(w.key) || !w.targetWeight) {
      continue;
    }
    const tr = el('tr');
    tr.dataset.instrument = w.key;
    const name = el('td', { className: 'instrument' }, [w.key, el('small', { text: 'not held' })]);
    if (w.breached) {
      tr.classList.add('breach');
      tr.dataset.breached = 'true';
      name.append(el('span', { className: 'badge breach', text: 'drift' }));
    }
    tr.append(name, cell('0', '0'), cell('—'), cell('—'), cell('—'), cell('—'),
      cell(fmt.percent(w.weight), w.weight), cell(fmt.percent(w.targetWeight), w.targetWeight),
      cell(fmt.percent(w.drift, { signed: true }), w.drift, `num drift ${w.breached ? 'down' : ''}`));
    rows.push(tr);
  }
  if (rows.length === 0) {
    rows.push(el('tr', { className: 'empty-row' }, [el('td', { text: 'No open positions', attrs: { colspan: '9' } })]));
  }
  tbody.replaceChildren(...rows);
  $('positions-count').textContent = `${open.length} open`;
}

/** Cash by currency. */
export function cash(model) {
  const base = model.portfolio.baseCurrency;
  const tbody = document.querySelector('#cash tbody');
  const rows = (model.portfolio.cash || []).map((line) => {
    const tr = el('tr');
    tr.dataset.currency = line.currency;
    tr.append(cell(line.currency, null, ''), cell(fmt.money(line.balance, line.currency), line.balance),
      cell(fmt.money(line.balanceBase, base), line.balanceBase));
    return tr;
  });
  if (rows.length === 0) {
    rows.push(el('tr', { className: 'empty-row' }, [el('td', { text: 'No cash', attrs: { colspan: '3' } })]));
  }
  tbody.replaceChildren(...rows);
}

/** Exposures as fractions of NAV. */
export function exposures(model) {
  const e = model.exposures;
  const dl = $('exposures');
  if (!e) {
    dl.replaceChildren();
    return;
  }
  const items = [['Long', e.long], ['Short', e.short], ['Gross', e.gross], ['Net', e.net]];
  dl.replaceChildren(...items.map(([label, value]) => el('div', {}, [
    el('dt', { text: label }),
    el('dd', { text: fmt.percent(value), title: value === null ? '' : String(value), attrs: { 'data-exposure': label.toLowerCase() } }),
  ])));
}

/** Allocation by sector, asset class, country and currency: the groups' weights as bars. */
export function allocation(model) {
  for (const list of document.querySelectorAll('#allocation .bars')) {
    const grouped = model.groups[list.dataset.group];
    const base = model.portfolio.baseCurrency;
    if (!grouped || grouped.groups.length === 0) {
      list.replaceChildren(el('li', { className: 'none', text: 'No positions' }));
      continue;
    }
    const max = Math.max(...grouped.groups.map((g) => Math.abs(fmt.num(g.weight) || 0)), 0.0001);
    // Largest first: what people read an allocation for.
    const ordered = grouped.groups.slice().sort((a, b) => (fmt.num(b.weight) || 0) - (fmt.num(a.weight) || 0));
    list.replaceChildren(...ordered.map((g) => {
      const w = fmt.num(g.weight);
      const li = el('li', { title: `${g.key}: ${g.marketValueBase} ${base} (${g.weight})` });
      li.dataset.key = g.key;
      const fill = el('div', { className: `fill${w !== null && w < 0 ? ' negative' : ''}` });
      fill.style.width = `${w === null ? 0 : Math.min(100, (Math.abs(w) / max) * 100)}%`;
      li.append(el('span', { className: 'label', text: g.key }),
        el('span', { className: 'value', text: `${fmt.percent(g.weight)} · ${fmt.money(g.marketValueBase, base)}` }),
        el('div', { className: 'track' }, [fill]));
      return li;
    }));
  }
}

const EVENT_NAMES = {
  PortfolioCreated: 'Created',
  TradeRecorded: 'Trade',
  CashFlowRecorded: 'Cash flow',
  FxConverted: 'FX conversion',
  FxConversionRecorded: 'FX conversion',
  TargetsSet: 'Targets',
  TargetsUpdated: 'Targets',
};

function words(type) {
  return EVENT_NAMES[type] || type.replace(/([a-z])([A-Z])/g, '$1 $2');
}

/** One line about an event, for people. */
export function describe(event) {
  const d = event.data || event.payload || {};
  switch (event.type) {
    case 'TradeRecorded':
      return `${d.side} ${fmt.quantity(d.quantity)} ${d.instrumentId} @ ${fmt.price(d.price)} ${d.currency || ''}`.trim();
    case 'CashFlowRecorded':
      return `${(d.type || '').toLowerCase().replace('_', ' ')} ${fmt.money(d.amount, d.currency)}`;
    case 'PortfolioCreated':
      return `${d.name || ''} in ${d.baseCurrency || ''}`;
    default: {
      if (d.targets) {
        return Object.entries(d.targets).map(([k, v]) => `${k} ${fmt.percent(v)}`).join(', ') || 'targets cleared';
      }
      if (d.instrumentId) {
        return d.instrumentId;
      }
      return '';
    }
  }
}

/** The change feed, newest first; fresh ones flash. */
export function changes(model, freshVersions = new Set()) {
  const list = $('changes');
  const items = model.events.slice().reverse().map((event) => {
    const li = el('li', { className: freshVersions.has(event.version) ? 'fresh' : '' });
    li.dataset.version = String(event.version);
    li.dataset.type = event.type;
    li.append(el('span', { className: 'ver', text: `v${event.version}` }),
      el('span', { className: 'what' }, [el('span', { className: 'type', text: words(event.type) }), ' ', describe(event)]),
      el('span', { className: 'when', text: fmt.time(event.recordedAt), title: event.recordedAt }));
    return li;
  });
  if (items.length === 0) {
    items.push(el('li', {}, [el('span', { className: 'none', text: 'No changes yet' })]));
  }
  list.replaceChildren(...items);
}

/** The alerts feed, newest first. */
export function alerts(model, freshIds = new Set()) {
  const list = $('alerts');
  const items = model.alerts.slice().reverse().map((alert) => {
    const severity = (alert.severity || 'INFO').toLowerCase();
    const li = el('li', { className: freshIds.has(alert.alertId) ? 'fresh' : '' });
    li.dataset.alertId = alert.alertId;
    li.dataset.type = alert.type;
    li.append(el('span', { className: `badge ${severity}`, text: severity }),
      el('span', { className: 'what', title: alert.message }, [el('span', { className: 'type', text: alert.type }), ' ', alert.message || '']),
      el('span', { className: 'when', text: fmt.time(alert.raisedAt || alert.recordedAt), title: alert.raisedAt || '' }));
    return li;
  });
  if (items.length === 0) {
    items.push(el('li', {}, [el('span', { className: 'none', text: 'No alerts' })]));
  }
  list.replaceChildren(...items);
  $('alerts-count').textContent = model.alerts.length ? `${model.alerts.length}` : '';
}

let chart = null;

/** Weights against targets with the drift band, as a Chart.js bar chart (percent of NAV). */
export function weightsChart(model) {
  const canvas = $('weights-chart');
  const threshold = fmt.num(model.portfolio.driftThreshold) || 0;
  const lines = (model.weights || []).filter((w) => w.weight !== null || w.targetWeight);
  const labels = lines.map((w) => w.key);
  const pct = (v) => (v === null || v === undefined ? null : Math.round(v * 10000) / 100);
  const band = lines.map((w) => [pct((w.targetWeight || 0) - threshold), pct((w.targetWeight || 0) + threshold)]);
  const weight = lines.map((w) => pct(w.weight));
  const target = lines.map((w) => pct(w.targetWeight || 0));
  const colours = lines.map((w) => (w.breached ? '#c0362c' : '#2f5bea'));
  if (!window.Chart) {
    return;
  }
  if (!chart) {
    chart = new window.Chart(canvas, {
      type: 'bar',
      data: { labels, datasets: [] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        responsive: true,
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12, usePointStyle: true } },
          tooltip: {
            callbacks: {
              label: (ctx) => {
                const v = ctx.raw;
                return Array.isArray(v) ? `${ctx.dataset.label}: ${v[0]}% to ${v[1]}%` : `${ctx.dataset.label}: ${v}%`;
              },
            },
          },
        },
        scales: {
          x: { grid: { display: false } },
          y: { ticks: { callback: (v) => `${v}%` }, grid: { color: '#eef1f6' } },
        },
      },
    });
  }
  chart.data.labels = labels;
  chart.data.datasets = [
    { type: 'bar', label: 'Drift band', data: band, backgroundColor: 'rgba(47, 91, 234, 0.12)',
      borderWidth: 0, grouped: false, barPercentage: 0.9, categoryPercentage: 0.8, order: 3 },
    { type: 'bar', label: 'Weight', data: weight, backgroundColor: colours, borderRadius: 3, grouped: false,
      barPercentage: 0.4, categoryPercentage: 0.8, order: 2 },
    { type: 'line', label: 'Target', data: target, showLine: false, pointStyle: 'line', pointRadius: 14,
      pointHoverRadius: 14, borderWidth: 3, borderColor: '#18202c', backgroundColor: '#18202c', order: 1 },
  ];
  chart.update('none');
}

/** Forgets the chart (another portfolio, or signed out). */
export function resetChart() {
  if (chart) {
    chart.destroy();
    chart = null;
  }
}
