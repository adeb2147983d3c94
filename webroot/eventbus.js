// A small client of the Vert.x event-bus bridge over SockJS (docs/live-updates.md): JSON frames
// `register`, `unregister` and `ping` out; `rec` and `err` in. There is no webjar of the Vert.x
// client, and the protocol is small enough to own: what it adds here is reconnecting with a
// backoff and registering again (with headers computed at that moment, e.g. the last version
// seen) every time the socket opens.

const PING_MS = 5000;
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];

/**
 * One SockJS connection to {@code url}, reopened whenever it closes until {@link close} is called.
 * Listeners: onState(state, info) with state "connecting" | "open" | "closed".
 */
export class EventBus {
  constructor(url, { onState = () => {} } = {}) {
    this.url = url;
    this.onState = onState;
    /** address -> {handler, headers: () => object, onError} */
    this.registrations = new Map();
    this.socket = null;
    this.opened = false;
    this.stopped = false;
    this.attempt = 0;
    this.reconnects = 0;
    this.everOpened = false;
    this.pingTimer = null;
    this.retryTimer = null;
  }

  /** Opens the connection (and keeps it open). */
  start() {
    this.stopped = false;
    this.open();
    return this;
  }

  open() {
    if (this.stopped) {
      return;
    }
    this.onState('connecting', { reconnects: this.reconnects });
    let socket;
    try {
      socket = new window.SockJS(this.url, null, { timeout: 5000 });
    } catch (e) {
      this.scheduleReopen();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) {
        return;
      }
      this.opened = true;
      if (this.everOpened) {
        this.reconnects++;
      }
      this.everOpened = true;
      this.attempt = 0;
      this.pingTimer = setInterval(() => this.write({ type: 'ping' }), PING_MS);
      for (const [address, registration] of this.registrations) {
        this.sendRegister(address, registration);
      }
      this.onState('open', { reconnects: this.reconnects });
    };
    socket.onmessage = (event) => {
      if (this.socket === socket) {
        this.receive(event.data);
      }
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) {
        return;
      }
      this.opened = false;
      this.socket = null;
      clearInterval(this.pingTimer);
      this.onState('closed', { reconnects: this.reconnects, code: event.code, reason: event.reason });
      this.scheduleReopen();
    };
  }

  scheduleReopen() {
    if (this.stopped) {
      return;
    }
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  receive(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch (e) {
      return;
    }
    if (frame.type === 'rec') {
      const registration = this.registrations.get(frame.address);
      if (registration) {
        registration.handler(frame.body, frame);
      }
    } else if (frame.type === 'err' && frame.address) {
      // A refused registration names its address; the bridge's generic "rejected" after it does not.
      const registration = this.registrations.get(frame.address);
      if (registration && registration.onError) {
        registration.onError(frame.body, frame.message);
      }
    }
  }

  /**
   * Follows {@code address}: {@code handler(body)} for each message; {@code headers()} is called
   * at every (re)registration, so a resume carries the version seen last.
   */
  register(address, handler, { headers = () => ({}), onError = null } = {}) {
    const registration = { handler, headers, onError };
    this.registrations.set(address, registration);
    if (this.opened) {
      this.sendRegister(address, registration);
    }
  }

  unregister(address) {
    if (this.registrations.delete(address) && this.opened) {
      this.write({ type: 'unregister', address });
    }
  }

  /** Ends every registration (the socket stays open for the next ones). */
  unregisterAll() {
    for (const address of [...this.registrations.keys()]) {
      this.unregister(address);
    }
  }

  sendRegister(address, registration) {
    const headers = registration.headers() || {};
    this.write(Object.keys(headers).length ? { type: 'register', address, headers } : { type: 'register', address });
  }

  write(frame) {
    if (this.socket && this.opened) {
      this.socket.send(JSON.stringify(frame));
    }
  }

  /** Closes for good. */
  close() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      this.opened = false;
      socket.close();
    }
  }
}
