// The REST API with the signed-in credential as a Bearer header. A 401 anywhere means the
// credential is gone (revoked, expired, mistyped): the page forgets it and asks again.

const STORAGE_KEY = 'pstate.credential';

/** Thrown for an answer that is not 2xx: carries the status and the problem document. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem && (problem.detail || problem.title) ? (problem.detail || problem.title) : `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export const credential = {
  get() {
    return sessionStorage.getItem(STORAGE_KEY);
  },
  set(value) {
    sessionStorage.setItem(STORAGE_KEY, value);
  },
  clear() {
    sessionStorage.removeItem(STORAGE_KEY);
  },
};

let onUnauthorized = () => {};

/** What to do when the service answers 401 (the page shows its sign-in again). */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/** GET a path of the API as JSON. */
export async function get(path, { signal } = {}) {
  const key = credential.get();
  const response = await fetch(path, {
    headers: key ? { Authorization: `Bearer ${key}`, Accept: 'application/json' } : { Accept: 'application/json' },
    cache: 'no-store',
    signal,
  });
  if (response.status === 401) {
    onUnauthorized();
  }
  const type = response.headers.get('Content-Type') || '';
  const body = type.includes('json') ? await response.json() : null;
  if (!response.ok) {
    throw new ApiError(response.status, body);
  }
  return body;
}

/** Every portfolio the caller may read, following the pages of the listing. */
export async function allPortfolios() {
  const items = [];
  let after = null;
  // Ten pages of 1,000 are more than a picker is useful for.
  for (let page = 0; page < 10; page++) {
    const query = `/api/v1/portfolios?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`;
    const body = await get(query);
    items.push(...body.items);
    if (!body.nextAfter) {
      break;
    }
    after = body.nextAfter;
  }
  return items;
}

/** Path of a portfolio's resource. */
export function portfolioPath(id, rest = '') {
  return `/api/v1/portfolios/${encodeURIComponent(id)}${rest}`;
}
