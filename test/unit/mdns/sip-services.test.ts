import { describe, expect, it } from 'vitest';
import { doorTxt, registrarUri, screenUri, serviceTypeOf } from '../../../src/mdns/sip-services.js';
import { isLocalName } from '../../../src/mdns/local-resolver.js';

describe('SIP over DNS-SD', () => {
  it('announces udp/tcp as _sip and tls as _sips._tcp', () => {
    expect(serviceTypeOf('udp')).toEqual({ type: 'sip', protocol: 'udp' });
    expect(serviceTypeOf('tcp')).toEqual({ type: 'sip', protocol: 'tcp' });
    expect(serviceTypeOf('tls')).toEqual({ type: 'sips', protocol: 'tcp' });
  });

  it('says who the door is in TXT', () => {
    expect(doorTxt('sip:door@myhouse', '1.0')).toEqual({ role: 'door', identity: 'sip:door@myhouse', user: 'door', version: '1.0' });
  });

  it('turns announced services into URIs, IPv4 first', () => {
    const base = { name: 'r', host: 'pbx.local', port: 5070, addresses: ['fe80::1', '192.168.1.2'] };
    expect(registrarUri({ ...base, type: 'sip', protocol: 'udp' })).toBe('sip:192.168.1.2:5070');
    expect(registrarUri({ ...base, type: 'sip', protocol: 'tcp' })).toBe('sip:192.168.1.2:5070;transport=tcp');
    expect(registrarUri({ ...base, type: 'sips', protocol: 'tcp', addresses: [] })).toBe('sips:pbx.local:5070');
    expect(screenUri({ ...base, type: 'sip', protocol: 'udp', addresses: ['fe80::1'], txt: { user: 'kitchen' } })).toBe('sip:kitchen@[fe80::1]:5070');
    expect(screenUri({ ...base, type: 'sip', protocol: 'udp', txt: { user: 'a@b c' } })).toBe('sip:abc@192.168.1.2:5070');
  });

  it('knows .local names', () => {
    expect(isLocalName('homescreen.local')).toBe(true);
    expect(isLocalName('Kitchen.LOCAL.')).toBe(true);
    expect(isLocalName('myhouse')).toBe(false);
    expect(isLocalName('local')).toBe(false);
    expect(isLocalName('192.168.1.2')).toBe(false);
  });
});
