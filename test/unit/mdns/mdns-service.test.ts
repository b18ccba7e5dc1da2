import { describe, expect, it, vi } from 'vitest';
import { MAX_SCREENS, MdnsService } from '../../../src/mdns/mdns-service.js';
import type { Announced } from '../../../src/mdns/sip-services.js';
import type { MdnsConfig } from '../../../src/config/schema.js';
import type { Logger } from '../../../src/log/logger.js';

describe('MdnsService screens', () => {
  it('keeps at most MAX_SCREENS announced screens: names are anyone on the LAN', () => {
    const onScreens = vi.fn();
    const warn = vi.fn();
    const log = { info: () => undefined, warn, debug: () => undefined } as unknown as Logger;
    const svc = new MdnsService({ config: { discover_targets: true } as MdnsConfig, identity: 'sip:door@h', version: '1', transports: () => [], onScreens, log });
    const up = (svc as unknown as { up(s: Announced): void }).up.bind(svc);
    const screen = (i: number): Announced => ({ name: `s${i}`, type: 'sip', protocol: 'udp', host: `s${i}.local`, port: 5060, addresses: [`192.168.1.${i + 1}`], txt: { role: 'screen' } });
    for (let i = 0; i < MAX_SCREENS + 50; i++) up(screen(i));
    expect(onScreens).toHaveBeenCalledTimes(MAX_SCREENS);
    expect(onScreens.mock.lastCall?.[0]).toHaveLength(MAX_SCREENS);
    expect(warn).toHaveBeenCalledTimes(1);
    // One that is kept may still change its address.
    up({ ...screen(0), addresses: ['192.168.1.200'] });
    expect(onScreens.mock.lastCall?.[0]).toContain('sip:screen@192.168.1.200:5060');
  });
});
