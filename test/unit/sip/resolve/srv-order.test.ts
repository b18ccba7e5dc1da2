import { describe, expect, it } from 'vitest';
import { orderSrv } from '../../../../src/sip/resolve/srv-order.js';

const rec = (name: string, priority: number, weight: number) => ({ name, port: 5060, priority, weight });

describe('SRV order (RFC 2782)', () => {
  it('tries lower priorities first, whatever the weights', () => {
    const order = orderSrv([rec('b', 20, 100), rec('a', 10, 0), rec('c', 30, 5)]).map((r) => r.name);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('draws by weight within a priority: 60 beside 20 comes first three times in four', () => {
    let first60 = 0;
    for (let i = 0; i < 400; i++) {
      const r = i / 400; // an even spread of draws instead of Math.random
      if (orderSrv([rec('light', 10, 20), rec('heavy', 10, 60)], () => r)[0]!.name === 'heavy') first60++;
    }
    expect(first60).toBe(300);
  });

  it('puts a weight-0 record after weighted ones of its priority, and drops "."', () => {
    for (const r of [0, 0.5, 0.999]) expect(orderSrv([rec('zero', 10, 0), rec('one', 10, 1), rec('.', 5, 1)], () => r).map((x) => x.name)).toEqual(['one', 'zero']);
  });
});
