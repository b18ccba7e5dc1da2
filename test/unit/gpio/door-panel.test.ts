/** The panel's inputs on a backend without `simulateInput` (onoff): press-exit feeds the debouncer, door-contact is refused. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GpioBackend, Level } from '../../../src/gpio/backend.js';
import { DoorPanel } from '../../../src/gpio/door-panel.js';
import { silentLogger } from '../../../src/log/logger.js';
import { fakeGuard } from '../../support/fake-process.js';

function realLikeBackend(): GpioBackend & { outputs: Map<number, Level> } {
  const outputs = new Map<number, Level>();
  return {
    kind: 'onoff',
    outputs,
    openInput: () => ({ read: () => 1, close: () => {} }),
    openOutput: (line, initial) => {
      outputs.set(line, initial);
      return { write: (l) => void outputs.set(line, l), close: () => {} };
    },
    close: () => {},
  };
}

describe('door panel on real GPIO', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('press-exit goes through the debouncer (one press); door-contact cannot fake the real door', async () => {
    const { guard } = fakeGuard();
    const panel = new DoorPanel(
      {
        relays: [{ name: 'door', line: 27, activeLow: false, pulseMs: 1000, openCodes: [] }],
        exitButton: { line: 23, active_low: true },
        doorContact: { line: 24, open_level: 'high' },
        debounceMs: 50,
      },
      silentLogger,
      guard,
    );
    const backend = realLikeBackend();
    panel.open(backend);
    let presses = 0;
    panel.onExit(() => presses++);
    const contact: boolean[] = [];
    panel.onContact((open) => contact.push(open));
    const pressed = panel.pressExit();
    await vi.advanceTimersByTimeAsync(1000);
    expect(await pressed).toEqual({ status: 'pressed' });
    expect(presses).toBe(1);
    expect(await panel.setDoorContact(true)).toEqual({ status: 'not-simulated' });
    expect(contact).toEqual([]);
    // The door contact line reads 1 at start = open with open_level "high": a state, not a change.
    expect(panel.state()).toEqual({ relays: { door: 'off' }, exitButton: 'released', doorContact: 'open' });
    panel.close();
    expect(await panel.pressExit()).toEqual({ status: 'unavailable' });
  });
});
