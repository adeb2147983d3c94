// Numbers for people. The service sends decimals as exact strings; these format them with the
// browser's locale (thousands separators, the currency, 2 decimals for money, percentages) and
// every caller keeps the exact string in the element's title, so nothing is lost by rounding.

const cache = new Map();

function formatter(key, options) {
  let f = cache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(undefined, options);
    cache.set(key, f);
  }
  return f;
}

/** A decimal string (or number) as a number, or null when absent or not a number. */
export function num(value) {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Money in a currency: "$101,825.00"; "—" when unknown. */
export function money(value, currency, { signed = false } = {}) {
  const n = num(value);
  if (n === null) {
    return '—';
  }
  const f = formatter(`money:${currency}:${signed}`, {
    style: 'currency', currency: currency || 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2,
    signDisplay: signed ? 'exceptZero' : 'auto',
  });
  return f.format(n);
}

/** A quantity: all its decimals (up to 6), with separators. */
export function quantity(value) {
  const n = num(value);
  return n === null ? '—' : formatter('qty', { maximumFractionDigits: 6 }).format(n);
}

/** A price: at least 2 decimals, up to 6. */
export function price(value) {
  const n = num(value);
  return n === null ? '—' : formatter('price', { minimumFractionDigits: 2, maximumFractionDigits: 6 }).format(n);
}

/** A ratio as a percentage with 2 decimals: 0.16695 → "16.70%". */
export function percent(value, { signed = false } = {}) {
  const n = num(value);
  if (n === null) {
    return '—';
  }
  return formatter(`pct:${signed}`, {
    style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2,
    signDisplay: signed ? 'exceptZero' : 'auto',
  }).format(n);
}

/** A time as hours:minutes:seconds in the browser's zone, the ISO string kept for the title. */
export function time(iso) {
  if (!iso) {
    return '';
  }
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString(undefined, { hour12: false });
}

/** A date and time, for "as of". */
export function dateTime(iso) {
  if (!iso) {
    return '';
  }
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { hour12: false });
}

/** The CSS class of a signed figure. */
export function tone(value) {
  const n = num(value);
  return n === null || n === 0 ? '' : (n > 0 ? 'up' : 'down');
}

/**
 * Sets an element's text to the formatted figure and its title to the exact one, and marks it as
 * updated when the exact value changed (a short flash), so people see what moved.
 */
export function show(el, text, exact, { flash = true } = {}) {
  const exactText = exact === null || exact === undefined ? '' : String(exact);
  const changed = el.dataset.exact !== undefined && el.dataset.exact !== exactText;
  el.textContent = text;
  el.title = exactText;
  el.dataset.exact = exactText;
  if (changed && flash) {
    el.classList.remove('flash');
    void el.offsetWidth; // restart the animation
    el.classList.add('flash');
  }
}
