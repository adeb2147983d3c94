// The dashboard's controller: sign-in, the picker, and for the chosen portfolio a model read
// from the REST API first, then kept current from the event-bus bridge (docs/live-updates.md).
// When the bridge cannot be reached the page polls the REST API instead, and says so.

import * as api from './api.js';
import { EventBus } from './eventbus.js';
import * as render from './render.js';
import * as fmt from './format.js';

const POLL_MS = 2000;
/** How often the reads that the bridge does not carry (exposures, groupings) are refreshed at most. */
const SECONDARY_MS = 1000;
const FEED_LENGTH = 50;
const GROUPS = ['sector', 'assetClass', 'country', 'currency'];
/** Cash flows from outside the portfolio: they change NAV without being profit or loss. */
const EXTERNAL_FLOWS = { DEPOSIT: 1, WITHDRAWAL: -1, TRANSFER_IN: 1, TRANSFER_OUT: -1 };

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(window.location.search);
/** `?live=off`: poll only (for networks that let no long-lived connection through). */
const liveAllowed = params.get('live') !== 'off';

let bus = null;
let model = null;
/** Bumped for every portfolio shown: answers for an earlier one are dropped. */
let generation = 0;
let pollTimer = null;
let secondaryTimer = null;
let secondaryDue = 0;
let connectionState = 'offline';
let reconnects = 0;

// ------------------------------------------------------------------------------------------------
// Sign-in

function showSignIn(message) {
  stopLive();
  model = null;
  $('dashboard').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  const error = $('sign-in-error');
  error.hidden = !message;
  error.textContent = message || '';
  $('portfolio-picker').disabled = true;
  render.connection('offline', { detail: 'signed out' });
  $('credential').focus();
}

api.whenUnauthorized(() => {
  if (api.credential.get()) {
    api.credential.clear();
    showSignIn('Your key or token was refused (revoked or expired?): sign in again.');
  }
});

$('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const value = $('credential').value.trim();
  if (!value) {
    return;
  }
  api.credential.set(value);
  $('credential').value = '';
  await start();
});

$('sign-out').addEventListener('click', () => {
  api.credential.clear();
  showSignIn();
});

// ------------------------------------------------------------------------------------------------
// Start and the picker

async function start() {
  if (!api.credential.get()) {
    showSignIn();
    return;
  }
  let portfolios;
  try {
    portfolios = await api.allPortfolios();
  } catch (e) {
    if (e.status !== 401) {
      showSignIn(`The service did not answer: ${e.message}`);
    }
    return;
  }
  $('sign-in').hidden = true;
  $('sign-out').hidden = false;
  $('dashboard').hidden = false;
  const wanted = new URLSearchParams(window.location.hash.slice(1)).get('p');
  const selected = portfolios.some((p) => p.id === wanted) ? wanted : (portfolios[0] && portfolios[0].id);
  render.picker(portfolios, selected);
  $('empty').hidden = portfolios.length > 0;
  if (selected) {
    await showPortfolio(selected);
  } else {
    $('portfolio').hidden = true;
  }
}

$('portfolio-picker').addEventListener('change', (event) => {
  window.location.hash = `p=${encodeURIComponent(event.target.value)}`;
  showPortfolio(event.target.value);
});

// ------------------------------------------------------------------------------------------------
// Reading a portfolio from the REST API

function startOfToday() {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d;
}

async function readAll(id) {
  const path = (rest) => api.portfolioPath(id, rest);
  const dayStart = startOfToday();
  const [portfolio, weights, exposures, ...grouped] = await Promise.all([
    api.get(path()),
    api.get(path('/weights')),
    api.get(path('/exposures')),
    ...GROUPS.map((g) => api.get(path(`/positions?groupBy=${g}`))),
  ]);
  // The state at the start of the day; none for a portfolio created today (it opened at zero).
  const opening = new Date(portfolio.createdAt) >= dayStart ? null
    : await api.get(path(`?asOf=${encodeURIComponent(dayStart.toISOString())}`));
  const openingVersion = opening ? opening.version : 0;
  const after = Math.max(0, Math.min(openingVersion, portfolio.version - FEED_LENGTH));
  const page = await api.get(path(`/events?afterVersion=${after}&limit=1000`));
  const groups = {};
  GROUPS.forEach((g, i) => { groups[g] = grouped[i]; });
  return {
    portfolio, weights, exposures, groups,
    events: page.events.slice(-FEED_LENGTH),
    dayEvents: page.events.filter((e) => e.version > openingVersion),
    dayEventsComplete: page.events.length < 1000,
    opening: { nav: opening && opening.valuation ? opening.valuation.nav : '0', version: openingVersion, at: dayStart },
  };
}

function alertsOf(events) {
  const alerts = [];
  for (const event of events) {
    for (const alert of event.alerts || []) {
      alerts.push({ ...alert, raisedAt: alert.raisedAt || event.recordedAt });
    }
  }
  return alerts;
}

/**
 * Day P&L: NAV now less NAV at the start of the day, less the money that came in from outside
 * since (deposits, withdrawals, transfers), converted at today's rate of its cash line.
 */
function dayPnl(m) {
  const nav = fmt.num(m.portfolio.valuation && m.portfolio.valuation.nav);
  if (nav === null) {
    return { value: null, note: 'no valuation' };
  }
  const rates = new Map();
  for (const line of m.portfolio.cash || []) {
    const balance = fmt.num(line.balance);
    const base = fmt.num(line.balanceBase);
    if (balance && base !== null) {
      rates.set(line.currency, base / balance);
    }
  }
  let flows = 0;
  let complete = m.dayEventsComplete;
  for (const event of m.dayEvents) {
    const d = event.data || event.payload || {};
    if (event.type !== 'CashFlowRecorded' || !(d.type in EXTERNAL_FLOWS)) {
      continue;
    }
    const rate = d.currency === m.portfolio.baseCurrency ? 1 : rates.get(d.currency);
    if (rate === undefined) {
      complete = false;
      continue;
    }
    flows += EXTERNAL_FLOWS[d.type] * fmt.num(d.amount) * rate;
  }
  const value = nav - fmt.num(m.opening.nav) - flows;
  const since = m.opening.at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
  return {
    value,
    exact: `${m.portfolio.valuation.nav} − ${m.opening.nav} (opening NAV) − ${flows} (external flows)`,
    note: `since ${since}, net of deposits and withdrawals${complete ? '' : ' (approximate)'}`,
  };
}

function drawAll(changed = new Set(), freshVersions = new Set(), freshAlerts = new Set()) {
  model.dayPnl = dayPnl(model);
  render.header(model);
  render.positions(model, changed);
  render.weightsChart(model);
  render.allocation(model);
  render.exposures(model);
  render.cash(model);
  render.changes(model, freshVersions);
  render.alerts(model, freshAlerts);
}

async function showPortfolio(id) {
  stopLive();
  const mine = ++generation;
  render.resetChart();
  let read;
  try {
    read = await readAll(id);
  } catch (e) {
    if (mine === generation && e.status !== 401) {
      render.connection('offline', { detail: `could not read ${id}: ${e.message}` });
    }
    return;
  }
  if (mine !== generation) {
    return;
  }
  model = { ...read, id, alerts: alertsOf(read.events), seenVersion: read.portfolio.version };
  $('portfolio').hidden = false;
  drawAll();
  if (liveAllowed && window.SockJS) {
    goLive(id, mine);
  } else {
    startPolling(mine);
  }
}

/** Re-reads everything (polling, or after the bridge said to start over). */
async function refresh(mine) {
  let read;
  try {
    read = await readAll(model.id);
  } catch (e) {
    return;
  }
  if (mine !== generation) {
    return;
  }
  const knownVersions = new Set(model.events.map((e) => e.version));
  const knownAlerts = new Set(model.alerts.map((a) => a.alertId));
  const fresh = new Set(read.events.filter((e) => !knownVersions.has(e.version)).map((e) => e.version));
  const liveAlerts = model.alerts.filter((a) => !read.events.some((e) => (e.alerts || []).some((x) => x.alertId === a.alertId)));
  const alerts = mergeAlerts(alertsOf(read.events), liveAlerts);
  const changed = changedInstruments(model.portfolio, read.portfolio);
  model = { ...read, id: model.id, alerts, seenVersion: Math.max(model.seenVersion, read.portfolio.version) };
  drawAll(changed, fresh, new Set(alerts.filter((a) => !knownAlerts.has(a.alertId)).map((a) => a.alertId)));
}

function mergeAlerts(a, b) {
  const byId = new Map();
  for (const alert of [...a, ...b]) {
    byId.set(alert.alertId, alert);
  }
  return [...byId.values()].sort((x, y) => String(x.raisedAt).localeCompare(String(y.raisedAt)));
}

function changedInstruments(before, after) {
  const old = new Map((before.positions || []).map((p) => [`${p.instrumentId}/${p.strategy}`, JSON.stringify(p)]));
  return new Set((after.positions || []).filter((p) => old.get(`${p.instrumentId}/${p.strategy}`) !== JSON.stringify(p))
    .map((p) => p.instrumentId));
}

/** Exposures and groupings are not on the bridge: read again, at most once a second. */
function refreshSecondarySoon(mine) {
  if (secondaryTimer) {
    return;
  }
  const wait = Math.max(0, secondaryDue - Date.now());
  secondaryTimer = setTimeout(async () => {
    secondaryTimer = null;
    secondaryDue = Date.now() + SECONDARY_MS;
    const path = (rest) => api.portfolioPath(model.id, rest);
    try {
      const [exposures, ...grouped] = await Promise.all([api.get(path('/exposures')),
        ...GROUPS.map((g) => api.get(path(`/positions?groupBy=${g}`)))]);
      if (mine !== generation) {
        return;
      }
      model.exposures = exposures;
      GROUPS.forEach((g, i) => { model.groups[g] = grouped[i]; });
      render.allocation(model);
      render.exposures(model);
    } catch (e) {
      // The next change or poll tries again.
    }
  }, wait);
}

// ------------------------------------------------------------------------------------------------
// Live from the bridge, polling as the fallback

function setConnection(state, detail) {
  connectionState = state;
  render.connection(state, { reconnects, detail });
}

function startPolling(mine) {
  clearInterval(pollTimer);
  setConnection('polling', `the live connection is ${liveAllowed ? 'unavailable' : 'off (?live=off)'}: `
    + `reading the API every ${POLL_MS / 1000} s`);
  pollTimer = setInterval(() => {
    if (mine === generation) {
      refresh(mine);
    }
  }, POLL_MS);
}

function stopPolling() {
  clearInterval(pollTimer);
  pollTimer = null;
}

function stopLive() {
  generation++;
  stopPolling();
  clearTimeout(secondaryTimer);
  secondaryTimer = null;
  if (bus) {
    bus.close();
    bus = null;
  }
}

function goLive(id, mine) {
  const url = `/eventbus?access_token=${encodeURIComponent(api.credential.get())}`;
  let wasOpen = false;
  bus = new EventBus(url, {
    onState: (state, info) => {
      if (mine !== generation) {
        return;
      }
      reconnects = info.reconnects;
      if (state === 'open') {
        wasOpen = true;
        stopPolling();
        setConnection('live', `live from the bridge${reconnects ? `; ${reconnects} reconnects since the page loaded` : ''}`);
      } else if (state === 'closed') {
        // Reads go on by polling while the bridge is away; its changes resume from the last version.
        if (!pollTimer) {
          startPolling(mine);
        }
        if (wasOpen) {
          setConnection('reconnecting', `connection lost (${info.code || ''} ${info.reason || ''}); `
            + `polling until it is back`);
        }
      } else if (state === 'connecting' && !wasOpen && connectionState !== 'polling') {
        setConnection('connecting', 'opening the live connection');
      }
    },
  });
  bus.register(`portfolio.updates.${id}`, (body) => onUpdate(body, mine), {
    headers: () => ({ fromVersion: String(model.seenVersion) }),
    onError: (code, message) => setConnection(connectionState, `updates refused: ${code} ${message || ''}`),
  });
  bus.register(`portfolio.valuation.${id}`, (body) => onValuation(body, mine));
  bus.register(`portfolio.alerts.${id}`, (body) => onAlert(body, mine));
  bus.start();
}

function onUpdate(body, mine) {
  if (mine !== generation || !model) {
    return;
  }
  if (body.kind === 'snapshot' || body.kind === 'resync') {
    // The bridge says start over from its state: the REST reads give the valued view of it.
    refresh(mine);
    return;
  }
  // Changes are counted apart from valuations: a valuation of version N may come before the
  // change N itself (they travel on different addresses), and must not make the page skip it.
  if (body.kind !== 'change' || body.version <= model.seenVersion) {
    return;
  }
  model.seenVersion = body.version;
  const p = model.portfolio;
  const changed = new Set();
  // Apply the summary: touched positions and every cash balance after the change. Their valued
  // figures come with the next valuation message.
  const positions = new Map((p.positions || []).map((x) => [`${x.instrumentId}/${x.strategy}`, x]));
  for (const position of (body.summary && body.summary.positions) || []) {
    const key = `${position.instrumentId}/${position.strategy}`;
    // The summary leaves the lots out (a position can have thousands): the old ones are stale.
    const merged = { ...(positions.get(key) || {}), ...position };
    delete merged.lots;
    positions.set(key, merged);
    changed.add(position.instrumentId);
  }
  p.positions = [...positions.values()].sort((a, b) => a.instrumentId.localeCompare(b.instrumentId));
  if (body.summary && body.summary.cash) {
    const old = new Map((p.cash || []).map((c) => [c.currency, c]));
    p.cash = body.summary.cash.map((c) => ({ ...(old.get(c.currency) || {}), ...c }));
  }
  p.version = Math.max(p.version, body.version);
  const events = body.events || [];
  model.events = [...model.events, ...events].slice(-FEED_LENGTH);
  model.dayEvents = [...model.dayEvents, ...events];
  const alerts = alertsOf(events);
  model.alerts = mergeAlerts(model.alerts, alerts);
  const needsRead = events.some((e) => e.type !== 'TradeRecorded' && e.type !== 'CashFlowRecorded');
  drawAll(changed, new Set(events.map((e) => e.version)), new Set(alerts.map((a) => a.alertId)));
  if (needsRead) {
    // Targets, settings or a name changed: the summary does not carry them.
    refresh(mine);
  } else {
    refreshSecondarySoon(mine);
  }
}

function onValuation(body, mine) {
  if (mine !== generation || !model || body.kind !== 'valuation' || body.version < model.portfolio.version) {
    return;
  }
  const p = model.portfolio;
  const before = p.positions || [];
  p.positions = body.positions;
  p.cash = body.cash;
  p.valuation = { nav: body.nav, complete: body.complete, asOf: body.asOf };
  p.version = Math.max(p.version, body.version);
  model.weights = body.weights;
  const changed = changedInstruments({ positions: before }, p);
  model.dayPnl = dayPnl(model);
  render.header(model);
  render.positions(model, changed);
  render.weightsChart(model);
  render.cash(model);
  refreshSecondarySoon(mine);
}

function onAlert(body, mine) {
  if (mine !== generation || !model || body.kind !== 'alert') {
    return;
  }
  if (model.alerts.some((a) => a.alertId === body.alertId)) {
    return;
  }
  model.alerts = mergeAlerts(model.alerts, [body]);
  render.alerts(model, new Set([body.alertId]));
}

start();
