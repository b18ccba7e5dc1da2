/**
 * The server half of the user-agent core: a request gets its server
 * transaction (§17.2) and the rules that are the same for every method —
 * received/rport (§18.2.1, RFC 3581 §4), response routing (§18.2.2), CANCEL
 * (§9.2), unsupported schemes, extensions and methods (§8.2.2.1, §8.2.2.3,
 * §8.2.1), 400 for what does not parse — before the transaction user
 * registered for its method sees it.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../log/logger.js';
import { createErrorResponse, createResponse, formatVia, newTagFor, type ResponseOptions, type SipRequest, type SipResponse } from '../message/index.js';
import { InviteServerTransaction } from '../transaction/invite-server-transaction.js';
import { NonInviteServerTransaction } from '../transaction/non-invite-server-transaction.js';
import type { TimerValues } from '../transaction/timers.js';
import type { Endpoint } from '../transport/endpoint.js';
import type { Received } from '../transport/transport.js';
import { ALLOW, type IncomingRequest, type RequestHandler, type ServerTx } from './core-types.js';
import { SummaryLog } from '../../log/summary-log.js';
import { serverKey } from './transaction-keys.js';
import type { Wire } from './wire.js';

export interface UasOptions {
  wire: Wire;
  log: Logger;
  userAgent: string;
  timers?: Partial<TimerValues>;
  /** The transaction user for a method, if any. */
  handlerFor(method: string): RequestHandler | undefined;
  /** An ACK for a 2xx: it belongs to the dialog, not the transaction (§17.2.1). */
  onAck(ack: SipRequest, received: Received): void;
  /** Tests only: another bound than MAX_SERVER_TRANSACTIONS. */
  maxTransactions?: number;
}

/**
 * Server transactions alive at once. Each lives until Timer J or H (32 s on
 * UDP), so a flood of distinct requests (OPTIONS, a BYE for no dialog) would
 * otherwise hold one per packet; beyond it a new request gets 503 statelessly.
 */
const MAX_SERVER_TRANSACTIONS = 1024;

export class Uas {
  private readonly servers = new Map<string, ServerTx>();
  private readonly cancelHooks = new Map<string, () => void>();
  private malformed = 0;
  private readonly refused: SummaryLog;

  constructor(private readonly o: UasOptions) {
    this.refused = new SummaryLog(o.log, 'requests refused statelessly');
  }

  dispose(): void {
    for (const tx of this.servers.values()) tx.dispose();
    this.refused.dispose();
  }

  /** Server transactions alive (for tests and the flood bench). */
  get transactionCount(): number {
    return this.servers.size;
  }

  receiveRequest(req: SipRequest, r: Received): void {
    markReceived(req, r.source);
    const key = serverKey(req);
    const existing = this.servers.get(key);
    if (req.method === 'ACK') {
      if (existing instanceof InviteServerTransaction && existing.state !== 'Accepted') existing.receiveAck(req);
      else {
        if (existing instanceof InviteServerTransaction) existing.receiveAck(req);
        this.o.onAck(req, r);
      }
      return;
    }
    if (existing) {
      existing.receiveRequest();
      return;
    }
    const respondTo = responseDestination(req, r);
    if (this.servers.size >= (this.o.maxTransactions ?? MAX_SERVER_TRANSACTIONS)) {
      this.refused.note(`${req.method} from ${r.source.host}: ${this.servers.size} transactions open; 503`);
      const res = createResponse(req, 503, undefined, { toTag: statelessTag(req), headers: [['Retry-After', '5']] });
      void this.o.wire.sendStateless(res, respondTo, r.via, r.connectionId).catch(() => {});
      return;
    }
    const wire = this.o.wire.to<SipResponse>(r.via, respondTo, r.connectionId);
    const tx: ServerTx =
      req.method === 'INVITE'
        ? new InviteServerTransaction(key, req, wire, {}, this.o.timers)
        : new NonInviteServerTransaction(key, req, wire, undefined, this.o.timers);
    this.servers.set(key, tx);
    tx.onTerminated(() => {
      this.servers.delete(key);
      this.cancelHooks.delete(key);
    });

    const toTag = newTagFor(req);
    let answered = false;
    const respond = (status: number, reason?: string, o: ResponseOptions = {}) => {
      answered = true;
      const res = createResponse(req, status, reason, { toTag, ...o });
      if (status > 100 && !res.headers.has('Server') && !res.headers.has('User-Agent')) res.headers.set('User-Agent', this.o.userAgent);
      if ((status === 405 || status === 200) && !res.headers.has('Allow') && req.method !== 'OPTIONS') res.headers.set('Allow', ALLOW.join(', '));
      tx.respond(res);
      return res;
    };
    const incoming: IncomingRequest = {
      request: req,
      source: r.source,
      transport: r.via,
      respond,
      onCancel: (fn) => this.cancelHooks.set(key, fn),
      rejectStateless: (status, logLine) => {
        if (answered) return void respond(status);
        answered = true;
        tx.dispose();
        if (logLine) this.refused.note(logLine);
        // §8.2.7: the same To tag for the same request, though nothing is kept: derived from it.
        const res = createResponse(req, status, undefined, { toTag: statelessTag(req) });
        void this.o.wire.sendStateless(res, respondTo, r.via, r.connectionId).catch(() => {});
      },
    };

    // §8.2.2.1: a Request-URI scheme we do not know.
    if (!/^sips?:/i.test(req.uri)) return void respond(416, 'Unsupported URI Scheme');
    // §8.2.2.3: we require no extension, so any Require the UAS can't meet is 420.
    const required = req.headers.getAll('Require').map((s) => s.trim().toLowerCase()).filter((s) => s && s !== 'outbound');
    if (required.length > 0 && req.method !== 'CANCEL') {
      return void respond(420, 'Bad Extension', { headers: [['Unsupported', required.join(', ')]] });
    }
    if (req.method === 'CANCEL') return this.receiveCancel(req, respond);
    const handler = this.o.handlerFor(req.method);
    // §8.2.1: a method we do not implement.
    if (!handler) return void respond(405, 'Method Not Allowed', { headers: [['Allow', ALLOW.join(', ')]] });
    handler(incoming);
    // §17.2.1 asks for a 100 within 200 ms; sent once the (synchronous) handler has had its say, so a
    // request it refused statelessly gets no 100 first, and one it already answered none at all.
    if (req.method === 'INVITE' && !answered) respond(100, 'Trying');
  }

  /** 400 (or 505) to what did not parse, when a reply can reach its sender (§8.2, RFC 4475). */
  rejectMalformed(r: Received): void {
    const { error, request } = r.parsed;
    if (!error) return;
    // Rate-limited: a flood of junk must not flood the journal too.
    if (this.malformed++ < 20) this.o.log.warn(`malformed message from ${r.source.host}:${r.source.port}: ${error.message}`);
    const response = createErrorResponse(error, request);
    if (!response || !request) return;
    try {
      markReceived(request, r.source);
      const to = responseDestination(request, r);
      void this.o.wire.sendStateless(response, to, r.via, r.connectionId).catch(() => {});
    } catch {
      // Could not even route the 400: drop, as §18 allows.
    }
  }

  /** §9.2: CANCEL matches the INVITE's server transaction; 200 for the CANCEL, then the TU answers 487. */
  private receiveCancel(req: SipRequest, respond: (s: number, r?: string) => SipResponse): void {
    const inviteKey = serverKey(req, 'INVITE');
    const invite = this.servers.get(inviteKey);
    if (!invite) return void respond(481, 'Call/Transaction Does Not Exist');
    respond(200, 'OK');
    if (invite.state === 'Proceeding') this.cancelHooks.get(inviteKey)?.();
  }
}

/** A To tag that is the same for every retransmission of `req` (§8.2.7), from its transaction-identifying fields. */
function statelessTag(req: SipRequest): string {
  const id = `${req.headers.get('Call-ID')}|${req.headers.get('From')}|${req.headers.get('CSeq')}|${req.headers.get('Via')}`;
  return createHash('sha256').update(id).digest('hex').slice(0, 12);
}

/** RFC 3261 §18.2.1 and RFC 3581 §4: record where the request really came from. */
function markReceived(req: SipRequest, source: Endpoint): void {
  const [top, ...rest] = req.headers.getAll('Via');
  if (top === undefined) return;
  const via = req.topVia;
  const sentBy = via.host.replace(/^\[|\]$/g, '');
  // RFC 3581 §4: with rport, `received` is added even when it equals sent-by.
  if (sentBy !== source.host || via.params.has('rport')) via.params.set('received', source.host);
  if (via.params.has('rport')) via.params.set('rport', String(source.port));
  req.headers.set('Via', [formatVia(via), ...rest]);
}

/** §18.2.2 with RFC 3581 §4: reliable → the same connection; else `received` and `rport`. */
function responseDestination(req: SipRequest, received: Received): Endpoint {
  const via = req.topVia;
  const host = via.params.get('received') ?? via.host.replace(/^\[|\]$/g, '');
  const rport = via.params.get('rport');
  const port = rport ? Number(rport) : (via.port ?? 5060);
  return received.via.reliable ? received.source : { protocol: received.via.protocol, host, port };
}
