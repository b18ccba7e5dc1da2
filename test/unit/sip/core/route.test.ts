/**
 * Where a new call goes (core/route.ts): through the outbound proxy, else
 * the registrar that holds the binding now, with a preloaded Route ;lr;
 * a target by IP straight to it unless call.direct_ip = "via-proxy".
 */
import { describe, expect, it } from 'vitest';
import { looseRoute, Routes, type RegistrarHop } from '../../../../src/sip/core/route.js';
import { buildRequest } from '../../../../src/sip/message/build-request.js';
import { SipResolver } from '../../../../src/sip/resolve/sip-resolver.js';
import type { Transport } from '../../../../src/sip/transport/transport.js';

const transport = (protocol: 'udp' | 'tcp' | 'tls') => ({ protocol, local: { protocol, host: '127.0.0.1', port: 5060 }, reliable: protocol !== 'udp' }) as unknown as Transport;
const transports = [transport('udp'), transport('tcp'), transport('tls')];
const resolver = new SipResolver({ transports: new Set(['udp', 'tcp', 'tls']) });
const registrarOn = (uri: string, host: string, protocol: 'udp' | 'tcp' | 'tls'): RegistrarHop => ({ uri, route: { destination: { protocol, host, port: 5061 }, transport: transports.find((t) => t.protocol === protocol)! } });

describe('routing of new out-of-dialog requests', () => {
  it('goes to the Request-URI when nothing is registered and there is no proxy', async () => {
    const r = await new Routes({ transports, resolver }).routeOutOfDialog('sip:screen@127.0.0.2:5070');
    expect(r.destination).toEqual({ protocol: 'udp', host: '127.0.0.2', port: 5070 });
    expect(r.routeSet).toBeUndefined();
  });

  it('goes through the registrar that holds the binding now, on its flow, with Route ;lr', async () => {
    let hop: RegistrarHop | undefined = registrarOn('sip:127.0.0.9:5061;transport=tls', '127.0.0.9', 'tls');
    const routes = new Routes({ transports, resolver, registrar: () => hop });
    const r = await routes.routeOutOfDialog('sip:homescreen@myhouse');
    expect(r.destination).toEqual({ protocol: 'tls', host: '127.0.0.9', port: 5061 });
    expect(r.transport.protocol).toBe('tls');
    expect(r.routeSet).toEqual(['<sip:127.0.0.9:5061;transport=tls;lr>']);
    hop = registrarOn('sip:127.0.0.8:5061;transport=tcp', '127.0.0.8', 'tcp'); // moved to the backup
    expect((await routes.routeOutOfDialog('sip:homescreen@myhouse')).destination.host).toBe('127.0.0.8');
  });

  it('prefers the outbound proxy to the registrar, and preloads it too', async () => {
    const routes = new Routes({ transports, resolver, outboundProxy: 'sip:127.0.0.7:5080;transport=tcp', registrar: () => registrarOn('sip:127.0.0.9', '127.0.0.9', 'udp') });
    const r = await routes.routeOutOfDialog('sip:homescreen@myhouse');
    expect(r.destination).toEqual({ protocol: 'tcp', host: '127.0.0.7', port: 5080 });
    expect(r.routeSet).toEqual(['<sip:127.0.0.7:5080;transport=tcp;lr>']);
  });

  it('calls a target by IP directly unless direct_ip is "via-proxy"', async () => {
    const registrar = () => registrarOn('sip:127.0.0.9', '127.0.0.9', 'udp');
    expect((await new Routes({ transports, resolver, registrar }).routeOutOfDialog('sip:screen@127.0.0.3')).destination.host).toBe('127.0.0.3');
    const via = await new Routes({ transports, resolver, registrar, directIp: 'via-proxy' }).routeOutOfDialog('sip:screen@127.0.0.3');
    expect(via.destination.host).toBe('127.0.0.9');
    expect(via.routeSet).toEqual(['<sip:127.0.0.9;lr>']);
  });
});

describe('route() of a request built by a layer above', () => {
  const registrar = () => registrarOn('sip:127.0.0.9:5061;transport=tls', '127.0.0.9', 'tls');

  it('sends an OPTIONS or MESSAGE outside a dialog through the registrar, with the Route to preload', async () => {
    for (const method of ['OPTIONS', 'MESSAGE']) {
      const r = await new Routes({ transports, resolver, registrar }).route(buildRequest(method, 'sip:kitchen@myhouse', { from: '<sip:door@myhouse>;tag=1', to: '<sip:kitchen@myhouse>', cseq: 1 }));
      expect(r.destination.host).toBe('127.0.0.9');
      expect(r.routeSet).toEqual(['<sip:127.0.0.9:5061;transport=tls;lr>']);
    }
    // ";tag=" inside a quoted display name is no To tag: still outside a dialog.
    const quoted = buildRequest('MESSAGE', 'sip:kitchen@myhouse', { from: '<sip:door@myhouse>;tag=1', to: '"a;tag=b" <sip:kitchen@myhouse>', cseq: 1 });
    expect((await new Routes({ transports, resolver, registrar }).route(quoted)).destination.host).toBe('127.0.0.9');
  });

  it('leaves in-dialog requests and REGISTER to their own next hop', async () => {
    const routes = new Routes({ transports, resolver, registrar });
    const bye = buildRequest('BYE', 'sip:screen@127.0.0.3:5070', { from: '<sip:door@myhouse>;tag=1', to: '<sip:kitchen@myhouse>;tag=2', cseq: 2 });
    expect((await routes.route(bye)).destination).toEqual({ protocol: 'udp', host: '127.0.0.3', port: 5070 });
    const register = buildRequest('REGISTER', 'sip:127.0.0.4', { from: '<sip:door@myhouse>;tag=1', to: '<sip:door@myhouse>', cseq: 1 });
    expect((await routes.route(register)).destination.host).toBe('127.0.0.4');
  });
});

describe('looseRoute', () => {
  it('adds ;lr once, before any headers part', () => {
    expect(looseRoute('sip:p.example')).toBe('sip:p.example;lr');
    expect(looseRoute('sip:p.example;lr')).toBe('sip:p.example;lr');
    expect(looseRoute('sips:p.example:5061?X=1')).toBe('sips:p.example:5061;lr?X=1');
  });
});
