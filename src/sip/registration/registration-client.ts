/**
 * Registration (RFC 3261 §10.2): REGISTER with digest authentication,
 * refreshed before the expiry the registrar granted, retried with growing
 * back-off after a failure, redone at once when the flow to the registrar
 * breaks, and removed (Expires: 0) on shutdown. With a backup registrar,
 * a failure of the primary moves the binding there and the primary is
 * probed until it answers again. Over TCP/TLS the flow that carries the
 * binding gets RFC 5626 CRLF keep-alives, so a dead flow is noticed (and
 * the binding redone) before a call needs it.
 */
import type { Logger } from '../../log/logger.js';
import { DigestClient, type DigestCredentials } from '../auth/index.js';
import { formatNameAddr, parseNameAddr, SipResponse, type SipRequest } from '../message/index.js';
import type { OutgoingRequest, Route, SipStack } from '../core/sip-stack.js';
import { buildRequest, newCallId, newFromTag } from '../message/build-request.js';
import { endpointOfUri } from '../core/destination.js';
import type { Endpoint } from '../transport/endpoint.js';
import type { Transport } from '../transport/transport.js';
import { Backoff } from './backoff.js';
import { flowTimerOf, grantedExpires } from './register-response.js';
import { bindingSeconds, flowTimerSeconds, retryAfterMs, timerDelay } from './timer-limits.js';
import { errorMessage } from '../../log/error-message.js';

/** liblinphone's names, which `register-status` prints (LINPHONE-DAEMON.md §5). */
export type RegistrationState = 'None' | 'Progress' | 'Ok' | 'Cleared' | 'Failed';

export interface RegistrationOptions {
  stack: SipStack;
  /** Address of record, e.g. sip:door@myhouse (config sip.identity). */
  aor: string;
  registrar: string;
  backupRegistrar?: string;
  credentials?: DigestCredentials;
  /** Requested binding lifetime in seconds. */
  expires: number;
  log: Logger;
  onStateChange?(state: RegistrationState, detail: { registrar: string; reason?: string }): void;
  backoff?: Backoff;
  /**
   * Longest wait between two tries of the primary while on the backup.
   * The first try comes after a couple of seconds and the wait doubles up
   * to this (default 60 s): a primary that was only restarted gets the door
   * back at once, one that stays down is asked about once a minute.
   */
  probeMs?: number;
  /** First wait before trying the primary again (default 2 s). */
  probeMinMs?: number;
}

/** Refresh this long before the binding would expire (and never later than at 85 % of it). */
const REFRESH_MARGIN_S = 30;
/**
 * RFC 5626 §4.4.1: without a Flow-Timer from the registrar, keep-alives on
 * a connection-oriented flow go at a random interval between 80 % and
 * 100 % of an upper bound whose recommended default is 120 s (25 s is the
 * UDP figure; UDP flows need STUN keep-alives, which we do not send).
 */
const KEEPALIVE_UPPER_S = 120;
const UNREGISTER_TIMEOUT_MS = 3_000;

interface Target {
  uri: string;
  callId: string;
  cseq: number;
  fromTag: string;
  auth: DigestClient | undefined;
  /** Contact we registered there, to find it in the 2xx and to remove it. */
  contact?: string;
  /** Where the last REGISTER went, resolved: the flow whose loss means re-registering. */
  flow?: { destination: Endpoint; transport: Transport };
}

type RegisterResult = { ok: true; expires: number; flowTimer?: number } | { ok: false; reason: string; retryAfterMs?: number | undefined };

export class RegistrationClient {
  private _state: RegistrationState = 'None';
  private _lastFailure: string | undefined;
  private readonly targets: Target[];
  private active = 0;
  private timer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  private inFlight = false;
  private readonly backoff: Backoff;
  private readonly probeBackoff: Backoff;
  private expires: number;
  private readonly log: Logger;

  constructor(private readonly opts: RegistrationOptions) {
    this.log = opts.log;
    this.backoff = opts.backoff ?? new Backoff();
    this.probeBackoff = new Backoff(opts.probeMinMs ?? 2_000, opts.probeMs ?? 60_000);
    this.expires = opts.expires;
    const target = (uri: string): Target => {
      endpointOfUri(uri); // a registrar we cannot route to is a config error, said at start
      return { uri, callId: newCallId(), cseq: 1, fromTag: newFromTag(), auth: opts.credentials ? new DigestClient({ credentials: opts.credentials }) : undefined };
    };
    this.targets = [target(opts.registrar), ...(opts.backupRegistrar ? [target(opts.backupRegistrar)] : [])];
  }

  get state(): RegistrationState {
    return this._state;
  }

  /** The registrar and reason of the last failed attempt, kept until a registration succeeds (for error messages). */
  get lastFailure(): string | undefined {
    return this._lastFailure;
  }

  get registrar(): string {
    return this.targets[this.active]!.uri;
  }

  /**
   * While registered: the registrar that holds the binding now (primary or
   * backup) and the flow the binding is on, through which new calls go
   * (a registered phone's way, see core/route.ts). Undefined otherwise.
   */
  get hop(): { uri: string; route: { destination: Endpoint; transport: Transport } } | undefined {
    const t = this.targets[this.active]!;
    return this._state === 'Ok' && t.flow ? { uri: t.uri, route: t.flow } : undefined;
  }

  start(): void {
    this.stopped = false;
    this.refreshNow();
  }

  /** `register` command and broken flows: send a REGISTER now. */
  refreshNow(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    void this.register(this.active, this.expires);
  }

  /**
   * The flow to `host` (`port`, when the caller knows it) broke: TCP/TLS
   * closed, or a keep-alive went unanswered. Re-register at once
   * (RFC 5626 §4.4.1: a failed flow is replaced). The flow is compared with
   * where the REGISTER really went, so a registrar named by host name
   * matches too; a closed flow to another peer is ignored.
   */
  flowFailed(host: string, port?: number): void {
    const flow = this.targets[this.active]!.flow?.destination;
    if (this._state !== 'Ok' || !flow || flow.host !== host || (port !== undefined && flow.port !== port)) return;
    this.log.info(`flow to ${this.registrar} lost; re-registering`);
    // The binding may be gone with the flow (a restarted registrar forgets it): say so until the new REGISTER is answered.
    this.setState('Progress', 'flow lost; re-registering');
    this.refreshNow();
  }

  /** Removes the binding (Expires: 0) and stops refreshing; bounded so shutdown never hangs on a dead registrar. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.probeTimer);
    if (this._state !== 'Ok') {
      this.setState('Cleared');
      return;
    }
    await Promise.race([this.sendRegister(this.active, 0), new Promise((r) => setTimeout(r, UNREGISTER_TIMEOUT_MS).unref())]);
    this.setState('Cleared');
  }

  private setState(state: RegistrationState, reason?: string): void {
    if (state === 'Failed') this._lastFailure = `registration at ${this.registrar} failed${reason ? `: ${reason}` : ''}`;
    if (state === 'Ok') this._lastFailure = undefined;
    if (state === this._state && state !== 'Failed') return;
    this._state = state;
    this.opts.onStateChange?.(state, { registrar: this.registrar, reason });
  }

  private async register(index: number, expires: number): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    if (this._state !== 'Ok') this.setState('Progress');
    const result = await this.sendRegister(index, expires);
    this.inFlight = false;
    if (this.stopped) return;
    if (result.ok) {
      this.backoff.reset();
      if (index !== this.active) await this.switchTo(index);
      this.setState('Ok');
      const refreshIn = this.registered(index, result);
      this.log.info(`registered at ${this.targets[index]!.uri} for ${result.expires} s; refresh in ${refreshIn} s`);
      if (this.active !== 0 && !this.probeTimer) this.scheduleProbe();
      return;
    }
    this.log.warn(`registration at ${this.targets[index]!.uri} failed: ${result.reason}`);
    if (index === 0 && this.targets.length > 1 && this.active === 0) {
      // The primary failed: try the backup at once rather than waiting out a back-off.
      this.setState('Failed', result.reason);
      this.inFlight = false;
      const backup = await this.sendRegister(1, expires);
      if (!this.stopped && backup.ok) {
        this.active = 1;
        this.backoff.reset();
        this.probeBackoff.reset();
        this.setState('Ok');
        const refreshIn = this.registered(1, backup);
        this.log.info(`registered at backup ${this.targets[1]!.uri} for ${backup.expires} s; refresh in ${refreshIn} s; will probe ${this.targets[0]!.uri}`);
        this.scheduleProbe();
        return;
      }
    }
    this.setState('Failed', result.reason);
    // §21.5.4: a registrar's Retry-After (capped at an hour) may ask for longer than the back-off.
    const delay = timerDelay(Math.max(this.backoff.next(), result.retryAfterMs ?? 0));
    this.log.info(`next registration attempt in ${Math.round(delay / 1000)} s`);
    this.timer = setTimeout(() => this.refreshNow(), delay);
  }

  /**
   * The binding at `index` stands: refresh it before it expires and keep
   * its flow alive. Returns the refresh delay in seconds.
   */
  private registered(index: number, result: { expires: number; flowTimer?: number }): number {
    clearTimeout(this.timer);
    // A grant beyond a day is refreshed daily: a timer cannot wait 4,000,000 s (timer-limits.ts).
    const lifetime = bindingSeconds(result.expires);
    const refreshIn = Math.max(5, Math.min(lifetime - REFRESH_MARGIN_S, Math.floor(lifetime * 0.85)));
    this.timer = setTimeout(() => this.refreshNow(), timerDelay(refreshIn * 1000));
    const flow = this.targets[index]!.flow;
    if (flow?.transport.reliable && flow.transport.keepAlive) {
      // §4.4.1: with a Flow-Timer the registrar's value is the upper bound; 80-100 % of it, random, so doors don't ping in step.
      const upper = result.flowTimer === undefined ? KEEPALIVE_UPPER_S : flowTimerSeconds(result.flowTimer);
      const intervalMs = Math.round(upper * 1000 * (0.8 + 0.2 * Math.random()));
      flow.transport.keepAlive(flow.destination, intervalMs);
    }
    return refreshIn;
  }

  /**
   * While on the backup, try the primary again after a growing wait (see
   * `probeMs`); once it answers, move back and remove the backup binding.
   */
  private scheduleProbe(): void {
    clearTimeout(this.probeTimer);
    const delay = this.probeBackoff.next();
    this.log.debug(`next try of the primary ${this.targets[0]!.uri} in ${Math.round(delay / 1000)} s`);
    this.probeTimer = setTimeout(async () => {
      this.probeTimer = undefined;
      if (this.stopped || this.active === 0) return;
      const r = await this.sendRegister(0, this.expires);
      if (this.stopped || this.active === 0) return;
      if (r.ok) {
        await this.switchTo(0);
        const refreshIn = this.registered(0, r);
        this.log.info(`primary registrar ${this.targets[0]!.uri} is back: registered there for ${r.expires} s; refresh in ${refreshIn} s; leaving the backup`);
      } else this.scheduleProbe();
    }, delay);
  }

  /** Moves to `index`, removing the binding at the one we leave. */
  private async switchTo(index: number): Promise<void> {
    const old = this.active;
    this.active = index;
    if (old === index) return;
    // The flow we leave needs no keep-alives any more: let it idle out.
    const flow = this.targets[old]!.flow;
    flow?.transport.keepAlive?.(flow.destination, 0);
    void this.sendRegister(old, 0);
  }

  /**
   * One REGISTER and its digest re-sends (RFC 3261 §8.1.3.5: new CSeq,
   * same Call-ID); 423 Interval Too Brief takes the registrar's Min-Expires
   * (§10.2.8).
   */
  private async sendRegister(index: number, expires: number): Promise<RegisterResult> {
    const t = this.targets[index]!;
    const stack = this.opts.stack;
    let routed;
    try {
      routed = await stack.route(buildRequest('REGISTER', t.uri, { from: '<x>', to: '<x>', cseq: 1 }), t.uri);
    } catch (e) {
      return { ok: false, reason: errorMessage(e) };
    }
    if (expires > 0) t.flow = routed;
    const aor = parseNameAddr(`<${this.opts.aor}>`);
    const user = 'user' in aor.uri ? (aor.uri.user ?? '') : '';
    t.contact = await stack.contactUri(user, routed.transport, routed.destination.host);
    const attempt = t.auth?.start({ method: 'REGISTER', uri: t.uri });
    let authHeaders = attempt?.headers ?? [];
    let wantExpires = expires;
    for (let round = 0; round < 10; round++) {
      const req = buildRequest('REGISTER', t.uri, {
        from: `${formatNameAddr(aor)};tag=${t.fromTag}`,
        to: formatNameAddr(aor),
        callId: t.callId,
        cseq: t.cseq++,
        contact: `<${t.contact}>`,
        headers: [['Expires', String(wantExpires)], ...authHeaders.map((h): [string, string] => [h.name, h.value])],
      });
      const res = await this.transact(req, routed);
      if (!(res instanceof SipResponse)) return { ok: false, reason: res };
      // The REGISTER may have moved on to another SRV target (RFC 3263 §4.3): the binding is where it was answered.
      if (expires > 0) t.flow = res.via;
      if (res.status >= 200 && res.status < 300) {
        return { ok: true, expires: wantExpires === 0 ? 0 : grantedExpires(res, t.contact, wantExpires), flowTimer: flowTimerOf(res) };
      }
      if ((res.status === 401 || res.status === 407) && attempt) {
        const outcome = attempt.challenge({ wwwAuthenticate: res.headers.getAll('WWW-Authenticate'), proxyAuthenticate: res.headers.getAll('Proxy-Authenticate') });
        if (!outcome.retry) return { ok: false, reason: outcome.reason };
        authHeaders = outcome.headers;
        continue;
      }
      if (res.status === 401 || res.status === 407) return { ok: false, reason: `${res.status} ${res.reason}: the registrar wants credentials; set account.password or account.ha1` };
      if (res.status === 423) {
        const min = Number(res.headers.get('Min-Expires'));
        if (!Number.isInteger(min) || min <= wantExpires || min > 2 ** 32 - 1) return { ok: false, reason: '423 without a usable Min-Expires' };
        wantExpires = min;
        this.expires = min;
        continue;
      }
      return { ok: false, reason: `${res.status} ${res.reason}`, retryAfterMs: retryAfterMs(res.headers.get('Retry-After')) };
    }
    return { ok: false, reason: 'too many challenges' };
  }

  /** One REGISTER transaction along `route` (and its fallbacks); the response comes with the hop that answered. */
  private transact(req: SipRequest, route: Route): Promise<(SipResponse & { via: Route }) | string> {
    return new Promise((resolve) => {
      let out: OutgoingRequest | undefined;
      let early: SipResponse | undefined;
      const answered = (res: SipResponse, o: OutgoingRequest) => resolve(Object.assign(res, { via: { destination: o.destination, transport: o.transport } }));
      this.opts.stack
        .send(
          req,
          {
            onResponse: (res) => {
              if (res.status < 200) return;
              if (out) answered(res, out);
              else early = res;
            },
            onFailure: (f) => resolve(f.kind === 'timeout' ? 'no answer (timeout)' : f.reason),
          },
          route,
        )
        .then((o) => {
          out = o;
          if (early) answered(early, o);
        })
        .catch(() => {}); // onFailure has the reason
    });
  }
}
