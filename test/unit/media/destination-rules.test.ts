/** Issue 12 row 10: media only to addresses a screen could own. */
import { describe, expect, it } from 'vitest';
import { destinationProblem, isLoopback } from '../../../src/media/destination-rules.js';

describe('destinationProblem', () => {
  it.each(['0.0.0.0', '0.1.2.3', '224.0.0.1', '239.255.255.250', '255.255.255.255', '240.0.0.1', '::', 'ff02::1', '::ffff:224.0.0.1'])('never %s', (a) => {
    expect(destinationProblem(a, '192.168.1.30')).toMatch(/unspecified, multicast or broadcast/);
    expect(destinationProblem(a, '127.0.0.1')).toBeDefined();
  });

  it('loopback only when the signalling is on loopback', () => {
    expect(destinationProblem('127.0.0.1', '192.168.1.30')).toMatch(/loopback/);
    expect(destinationProblem('::1', '2001:db8::5')).toMatch(/loopback/);
    expect(destinationProblem('127.0.0.1', '127.0.0.1')).toBeUndefined();
    expect(destinationProblem('127.0.0.5', '::ffff:127.0.0.1')).toBeUndefined();
    expect(destinationProblem('::1', '::1')).toBeUndefined();
    expect(isLoopback(undefined)).toBe(false);
  });

  it('a screen’s own LAN address is fine', () => {
    expect(destinationProblem('192.168.1.30', '192.168.1.2')).toBeUndefined();
    expect(destinationProblem('2001:db8::30', '2001:db8::2')).toBeUndefined();
  });

  it('a host name is not an address', () => {
    expect(destinationProblem('screen.example', '192.168.1.2')).toMatch(/not an IP address/);
  });
});
