/**
 * RFC 4475 torture messages. Each test says what the RFC asks of a
 * receiver for that message and which of its allowed choices we make.
 */
import { describe, expect, it } from 'vitest';
import {
  createErrorResponse,
  expiresOrDefault,
  formatSipUri,
  hasRfc3261Branch,
  isSipUri,
  parseMessage,
  readMessage,
  parseSipUri,
  qOf,
  serialiseMessage,
  SipParseError,
  SipRequest,
  SipResponse,
  StreamFramer,
  tagOf,
  type SipMessage,
  type SipUri,
} from '../../../../src/sip/message/index.js';
import { ALL } from '../../../support/fixtures/rfc4475/messages.js';
import { fixture } from '../../../support/rfc4475-fixtures.js';

function request(name: string): SipRequest {
  const m = parseMessage(fixture(name));
  if (!(m instanceof SipRequest)) throw new Error(`${name} is not a request`);
  return m;
}

function response(name: string): SipResponse {
  const m = parseMessage(fixture(name));
  if (!(m instanceof SipResponse)) throw new Error(`${name} is not a response`);
  return m;
}

function parseError(name: string, transport: 'datagram' | 'stream' = 'datagram'): SipParseError {
  try {
    parseMessage(fixture(name), { transport });
  } catch (e) {
    if (e instanceof SipParseError) return e;
    throw e;
  }
  throw new Error(`${name} parsed`);
}

/** The request as far as it could be read, which the 400 is built from. */
function partial(name: string, transport: 'datagram' | 'stream' = 'datagram'): SipRequest | undefined {
  return readMessage(fixture(name), { transport }).request;
}

/**
 * The reply a UAS sends. It echoes the request's fields as received
 * (§8.2.6.2), malformed ones included, so it is checked as built, not re-parsed.
 */
function reply(name: string): SipResponse | undefined {
  const r = createErrorResponse(parseError(name), partial(name));
  if (r) expect(serialiseMessage(r).toString()).toMatch(new RegExp(`^SIP/2\\.0 ${r.status} `));
  return r;
}

function sip(u: unknown): SipUri {
  if (typeof u !== 'object' || u === null || !isSipUri(u as SipUri)) throw new Error('not a SIP URI');
  return u as SipUri;
}

describe('RFC 4475 fixtures', () => {
  it('are on disk exactly as messages.ts builds them', () => {
    for (const [name, m] of Object.entries(ALL)) expect(fixture(name).equals(m.bytes), name).toBe(true);
  });
});

describe('RFC 4475 §3.1.1 valid messages: all parse', () => {
  it('wsinv (§3.1.1.1): folding, odd whitespace, compact and mixed-case names', () => {
    const m = request('wsinv');
    expect(m.method).toBe('INVITE');
    expect(m.uri).toBe('sip:vivekg@chair-dnrc.example.com;unknownparam');
    expect(sip(m.parsedUri).params.get('unknownparam')).toBeNull();
    expect(tagOf(m.to)).toBe('1918181833n');
    expect(sip(m.to.uri).user).toBe('vivekg');
    expect(m.from.displayName).toBe('J Rosenberg \\"');
    expect(tagOf(m.from)).toBe('98asjd8');
    expect(m.maxForwards).toBe(68);
    expect(m.callId).toBe('wsinv.ndaksdj@192.0.2.1');
    expect(m.cseq).toEqual({ seq: 9, method: 'INVITE' });
    expect(m.vias.map((v) => [v.transport, v.host, v.params.get('branch')])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(m.headers.get('Subject')).toBe('');
    expect(m.headers.get('NewFangledHeader')).toBe('newfangled value continued newfangled value');
    expect(m.headers.get('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    const route = sip(m.routes[0]?.uri);
    expect(route.host).toBe('services.example.com');
    expect([...route.params]).toEqual([['lr', null], ['unknownwith', 'value'], ['unknown-no-value', null]]);
    const contact = m.contacts[0];
    expect(contact?.displayName).toBe('Quoted string ""');
    expect(contact?.params.get('newparam')).toBe('newvalue');
    expect(contact?.params.get('secondparam')).toBeNull();
    expect(contact && qOf(contact)).toBe(0.33);
    expect(m.body.length).toBe(150);
    expect(m.body.toString()).toMatch(/^v=0\r\n/);
  });

  it('intmeth (§3.1.1.2): unusual characters everywhere, NUL and DEL in a quoted display name', () => {
    const m = request('intmeth');
    const method = "!interesting-Method0123456789_*+`.%indeed'~";
    expect(m.method).toBe(method);
    expect(m.cseq).toEqual({ seq: 139122385, method });
    const ruri = sip(m.parsedUri);
    expect(ruri.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(ruri.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(ruri.host).toBe('example.com');
    expect(m.topVia.params.get('branch')).toBe("z9hG4bK-.!%66*_+`'~");
    expect(m.to.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7F');
    expect(m.from.displayName).toBe("token1~` token2'+_ token3*%!.-");
    // Header parameter values are kept as written, quotes included.
    expect(m.from.params.get("fromparam''~+*_!.-%")).toBe('"работающий"');
    expect(tagOf(m.from)).toBe("_token~1'+`*%!-.");
    expect(m.callId).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    expect(m.maxForwards).toBe(255);
    expect(m.headers.get("extensionHeader-!.%*+_`'~")).toBe('\uFEFF大停電');
  });

  it('esc01 (§3.1.1.3): %-escapes in user parts and URI parameters are unescaped', () => {
    const m = request('esc01');
    expect(sip(m.parsedUri).user).toBe('sips:user@example.com');
    expect(sip(m.to.uri).user).toBe('user');
    expect(sip(m.from.uri).user).toBe('I have spaces');
    expect(m.callId).toBe('esc01.239409asdfakjkn23onasd0-3234');
    expect(m.headers.get('Content-Type')).toBe('application/sdp');
    const c = sip(m.contacts[0]?.uri);
    expect(c.user).toBe('caller');
    expect([...c.params]).toEqual([['lr', null], ['name', 'value%41']]);
  });

  it('escnull (§3.1.1.4): %00 is kept, two distinct contacts', () => {
    const m = request('escnull');
    expect(m.method).toBe('REGISTER');
    expect(sip(m.to.uri).user).toBe('null-\x00-null');
    expect(m.contacts.map((c) => sip(c.uri).user)).toEqual(['\x00', '\x00\x00']);
    expect(m.body.length).toBe(0);
  });

  it('esc02 (§3.1.1.5): escapes in method and header name are literal characters', () => {
    const m = request('esc02');
    expect(m.method).toBe('RE%47IST%45R');
    expect(m.cseq.method).toBe('RE%47IST%45R');
    expect(m.to.displayName).toBe('%Z%45');
    expect(m.contacts.map((c) => sip(c.uri).host)).toEqual(['host1.example.com', 'host3.example.com']);
    expect(m.headers.get('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
    expect(m.topVia.params.get('branch')).toBe('z9hG4bK209%fzsnel234');
  });

  it('lwsdisp (§3.1.1.6): no LWS between display name and <', () => {
    const m = request('lwsdisp');
    expect(m.from.displayName).toBe('caller');
    expect(sip(m.from.uri).user).toBe('caller');
  });

  it('longreq (§3.1.1.7): long values and 34 Via values in many spellings', () => {
    const m = request('longreq');
    expect(m.vias).toHaveLength(34);
    expect(m.vias[0]?.host).toBe('sip33.example.com');
    expect(m.vias[33]?.params.get('received')).toBe('192.0.2.5');
    expect(m.vias[33]?.params.get('branch')).toMatch(/^very(long){50}branchvalue$/);
    const to = sip(m.to.uri);
    expect(to.port).toBe(6000);
    expect(to.params.get(`very${'long'.repeat(24)}parameternamewithnovalue`)).toBeNull();
    expect(tagOf(m.from)).toHaveLength(155);
    expect(m.callId).toMatch(/^longreq\.one(really){20}longcallid$/);
    expect(m.body.length).toBe(150);
  });

  it('dblreq (§3.1.1.8): bytes past Content-Length in a datagram are discarded', () => {
    const m = request('dblreq');
    expect(m.method).toBe('REGISTER');
    expect(m.body.length).toBe(0);
    // addr-spec Contact: the URI has no parameters.
    expect(sip(m.contacts[0]?.uri).host).toBe('host.example.com');
  });

  it('semiuri (§3.1.1.9): ; in the user part is not a URI parameter', () => {
    const m = request('semiuri');
    const u = sip(m.parsedUri);
    expect(u.user).toBe('user;par=u@example.net');
    expect(u.host).toBe('example.com');
    expect(u.params.size).toBe(0);
    expect(m.headers.getAll('Accept')).toEqual([
      'application/sdp',
      'application/pkcs7-mime',
      'multipart/mixed',
      'multipart/signed',
      'message/sip',
      'message/sipfrag',
    ]);
  });

  it('transports (§3.1.1.10): known and unknown transports in Via', () => {
    expect(request('transports').vias.map((v) => v.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
  });

  it('mpart01 (§3.1.1.11): binary multipart body, valueless rport', () => {
    const m = request('mpart01');
    expect(m.method).toBe('MESSAGE');
    expect(m.body.length).toBe(553);
    expect(m.body.subarray(0, 18).toString()).toBe('--7a9cbec02ceef655');
    expect(m.topVia.params.get('rport')).toBeNull();
    expect(m.topVia.port).toBe(5070);
    expect(sip(m.routes[0]?.uri).port).toBe(5080);
    // Date is not a list header: its comma stays.
    expect(m.headers.get('Date')).toBe('Sat, 15 Oct 2005 04:44:56 GMT');
  });

  it('unreason (§3.1.1.12): UTF-8 reason phrase', () => {
    const m = response('unreason');
    expect(m.status).toBe(200);
    expect(m.reason).toBe('= 2**3 * 5**2 но сто девяносто девять - простое');
    expect(m.body.length).toBe(154);
  });

  it('noreason (§3.1.1.13): empty reason phrase', () => {
    const m = response('noreason');
    expect(m.status).toBe(100);
    expect(m.reason).toBe('');
  });
});

describe('RFC 4475 §3.1.2 invalid messages', () => {
  it('badinv01 (§3.1.2.1): empty Via and Contact params -> 400', () => {
    expect(parseError('badinv01').reason).toBe('Bad Via header');
    // Its sent-by is still readable, so the 400 can be routed (§18.2.2).
    expect(reply('badinv01')?.status).toBe(400);
  });

  it('clerr (§3.1.2.2): Content-Length beyond the datagram -> 400; on a stream, wait for more', () => {
    expect(parseError('clerr').reason).toBe('Content-Length larger than datagram');
    expect(reply('clerr')?.status).toBe(400);
    const framer = new StreamFramer({ maxBodyBytes: 10_000 });
    expect(framer.push(fixture('clerr'))).toEqual([]);
  });

  it('ncl (§3.1.2.3): negative Content-Length -> 400 on UDP, connection closed on a stream', () => {
    expect(parseError('ncl').reason).toBe('Bad Content-Length header');
    expect(reply('ncl')?.status).toBe(400);
    const events = new StreamFramer().push(fixture('ncl'));
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe('error');
  });

  it('scalar02 (§3.1.2.4): CSeq beyond 2^32-1 -> 400; overlarge expiries read as the default', () => {
    expect(parseError('scalar02').reason).toBe('Bad CSeq header');
    expect(reply('scalar02')?.reason).toBe('Bad CSeq header');
    const req = partial('scalar02');
    expect(expiresOrDefault(req?.headers.get('Expires'))).toBe(3600);
    expect(expiresOrDefault(req?.contacts[0]?.params.get('expires'))).toBe(3600);
  });

  it('scalarlg (§3.1.2.5): response with overlarge CSeq is dropped', () => {
    const e = parseError('scalarlg');
    expect(e.reason).toBe('Bad CSeq header');
    expect(partial('scalarlg')).toBeUndefined();
    expect(createErrorResponse(e, partial('scalarlg'))).toBeUndefined();
  });

  it('quotbal (§3.1.2.6): unterminated quote in To -> 400 (no guessing)', () => {
    expect(parseError('quotbal').reason).toBe('Bad To header');
    expect(reply('quotbal')?.status).toBe(400);
  });

  it('ltgtruri (§3.1.2.7): <> around the Request-URI -> 400', () => {
    expect(parseError('ltgtruri').reason).toBe('Bad Request-URI');
    expect(reply('ltgtruri')?.status).toBe(400);
  });

  it('lwsruri (§3.1.2.8): LWS inside the Request-URI -> 400', () => {
    expect(parseError('lwsruri').reason).toBe('Bad Request-Line');
    expect(reply('lwsruri')?.status).toBe(400);
  });

  it('lwsstart (§3.1.2.9): extra SP in the Request-Line is tolerated (the RFC allows it)', () => {
    const m = request('lwsstart');
    expect(m.uri).toBe('sip:user@example.com');
    // Re-sent without the extra SP, as the RFC requires.
    expect(serialiseMessage(m).toString().split('\r\n')[0]).toBe('INVITE sip:user@example.com SIP/2.0');
  });

  it('trws (§3.1.2.10): trailing SP after SIP-Version is tolerated (the RFC allows it)', () => {
    const m = request('trws');
    expect(m.method).toBe('OPTIONS');
    expect(serialiseMessage(m).toString().split('\r\n')[0]).toBe('OPTIONS sip:remote-target@example.com SIP/2.0');
  });

  it('escruri (§3.1.2.11): headers in the Request-URI -> 400', () => {
    expect(parseError('escruri').reason).toBe('Bad Request-URI');
    expect(reply('escruri')?.status).toBe(400);
  });

  it('baddate (§3.1.2.12): a non-GMT Date is accepted; the stack never reads Date', () => {
    expect(request('baddate').headers.get('Date')).toBe('Fri, 01 Jan 2010 16:00:00 EST');
  });

  it('regbadct (§3.1.2.13): addr-spec Contact with escaped headers -> 400 (no inferred <>)', () => {
    expect(parseError('regbadct').reason).toBe('Bad Contact header');
    expect(reply('regbadct')?.status).toBe(400);
  });

  it('badaspec (§3.1.2.14): spaces inside <> are ignored (the RFC allows it)', () => {
    const m = request('badaspec');
    expect(m.to.displayName).toBe('Watson, Thomas');
    expect(sip(m.to.uri).user).toBe('t.watson');
    expect(m.from.displayName).toBe('Bell, Alexander');
  });

  it('baddn (§3.1.2.15): unquoted display name with a comma -> 400 (no inferred quotes)', () => {
    expect(parseError('baddn').reason).toBe('Bad From header');
    expect(reply('baddn')?.status).toBe(400);
  });

  it('badvers (§3.1.2.16): SIP/7.0 -> 505', () => {
    const e = parseError('badvers');
    expect(e.status).toBe(505);
    const r = reply('badvers');
    expect(r?.status).toBe(505);
    expect(r?.reason).toBe('Version Not Supported');
  });

  it('mismatch01 (§3.1.2.17): CSeq method differs from the request method -> 400', () => {
    expect(parseError('mismatch01').reason).toBe('CSeq method does not match request method');
    expect(reply('mismatch01')?.status).toBe(400);
  });

  it('mismatch02 (§3.1.2.18): unknown method with mismatched CSeq -> 400, not 501', () => {
    expect(parseError('mismatch02').status).toBe(400);
    expect(reply('mismatch02')?.status).toBe(400);
  });

  it('bigcode (§3.1.2.19): status code above 699 -> dropped', () => {
    const e = parseError('bigcode');
    expect(e.reason).toBe('Bad Status-Line');
    expect(createErrorResponse(e, partial('bigcode'))).toBeUndefined();
  });
});

describe('RFC 4475 §3.2-3.4 transaction, application and compatibility cases', () => {
  it('badbranch (§3.2.1): bare z9hG4bK parses; it is not an RFC 3261 transaction id', () => {
    const via = request('badbranch').topVia;
    expect(via.params.get('branch')).toBe('z9hG4bK');
    expect(hasRfc3261Branch(via)).toBe(false);
  });

  it('insuf (§3.3.1): missing Call-ID, From, To -> still answered 400', () => {
    expect(parseError('insuf').reason).toBe('Missing Call-ID');
    const r = reply('insuf');
    expect(r?.status).toBe(400);
    expect(r?.headers.get('Via')).toBe('SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf');
  });

  it('unkscm and novelsc (§3.3.2, §3.3.3): unknown Request-URI schemes parse; the UA answers 416', () => {
    for (const name of ['unkscm', 'novelsc']) {
      const m = request(name);
      expect(isSipUri(m.parsedUri)).toBe(false);
      let status = 0;
      try {
        void m.sipUri;
      } catch (e) {
        status = e instanceof SipParseError ? e.status : -1;
      }
      expect(status).toBe(416);
    }
    expect(request('novelsc').parsedUri.scheme).toBe('soap.beep');
  });

  it('unksm2 (§3.3.4): unknown schemes in To, From and Contact parse', () => {
    const m = request('unksm2');
    expect(m.to.uri).toEqual({ scheme: 'isbn', text: 'isbn:2983792873' });
    expect(m.from.uri.scheme).toBe('http');
    expect(m.contacts[0]?.uri.scheme).toBe('name');
  });

  it('bext01, invut, regaut01, sdp01 (§3.3.5-7, §3.3.15): parse; refusing them is the UA\'s call', () => {
    expect(request('bext01').headers.getAll('Require')).toEqual(['nothingSupportsThis', 'nothingSupportsThisEither']);
    expect(request('invut').body.toString()).toBe('<audio>\r\n <pcmu port="443"/>\r\n</audio>\r\n');
    expect(request('regaut01').headers.get('Authorization')).toBe('NoOneKnowsThisScheme opaque-data=here');
    expect(request('sdp01').headers.get('Accept')).toBe('text/nobodyKnowsThis');
  });

  it('multi01 (§3.3.8): repeated single-value headers -> 400', () => {
    expect(parseError('multi01').reason).toBe('Multiple Call-ID headers');
    expect(reply('multi01')?.status).toBe(400);
  });

  it('mcl01 (§3.3.9): two Content-Lengths -> 400', () => {
    expect(parseError('mcl01').reason).toBe('Multiple Content-Length headers');
    expect(reply('mcl01')?.status).toBe(400);
  });

  it('bcast and zeromf (§3.3.10, §3.3.11) parse; acting on them is for the layers above', () => {
    expect(response('bcast').vias[1]?.host).toBe('255.255.255.255');
    expect(request('zeromf').maxForwards).toBe(0);
  });

  it('cparam01/cparam02 (§3.3.12-13): parameter after addr-spec belongs to the header, inside <> to the URI', () => {
    const c1 = request('cparam01').contacts[0];
    expect(c1?.params.get('unknownparam')).toBeNull();
    expect(sip(c1?.uri).params.size).toBe(0);
    const c2 = request('cparam02').contacts[0];
    expect(c2?.params.size).toBe(0);
    expect(sip(c2?.uri).params.get('unknownparam')).toBeNull();
  });

  it('regescrt (§3.3.14): escaped Route header inside a bracketed Contact URI', () => {
    const c = sip(request('regescrt').contacts[0]?.uri);
    expect(c.headers).toEqual([['Route', '<sip:sip.example.com>']]);
    expect(formatSipUri(c)).toBe('sip:user@example.com?Route=%3Csip:sip.example.com%3E');
    expect(parseSipUri(formatSipUri(c))).toEqual(c);
  });

  it('inv2543 (§3.4.1): RFC 2543 request: no branch, no tag, no Max-Forwards, no Content-Length', () => {
    const m = request('inv2543');
    expect(m.maxForwards).toBeUndefined();
    expect(m.topVia.params.has('branch')).toBe(false);
    expect(tagOf(m.from)).toBeUndefined();
    expect(m.body.toString()).toMatch(/m=audio 49217 RTP\/AVP 0\r\n$/);
  });
});

describe('RFC 4475 messages survive serialise -> parse', () => {
  const parsable = Object.keys(ALL).filter((n) => {
    try {
      parseMessage(fixture(n));
      return true;
    } catch {
      return false;
    }
  });

  it.each(parsable)('%s', (name) => {
    const first = parseMessage(fixture(name));
    const again = parseMessage(serialiseMessage(first));
    expect(summary(again)).toEqual(summary(first));
    // A second round gives the same bytes: serialising is deterministic.
    expect(serialiseMessage(again).equals(serialiseMessage(first))).toBe(true);
  });
});

function summary(m: SipMessage): unknown {
  return {
    start: m.kind === 'request' ? [m.method, m.uri] : [m.status, m.reason],
    headers: [...m.headers].filter(([n]) => n !== 'Content-Length'),
    body: m.body.toString('hex'),
  };
}
