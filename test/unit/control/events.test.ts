import { describe, expect, it } from 'vitest';
import { formatEvent, type ControlEvent } from '../../../src/control/event-bus.js';
import { publishGpioEvents } from '../../../src/control/events/gpio-events.js';
import { registrationEvent } from '../../../src/control/events/registration-events.js';

describe('control formats the features\' events', () => {
  it('registration-state-changed: Id, State, Registrar, and Reason only when there is one', () => {
    expect(formatEvent(registrationEvent('Ok', { registrar: 'sip:reg.example' }))).toBe(
      'Event-type: registration-state-changed\n\nId: 1\nState: LinphoneRegistrationOk\nRegistrar: sip:reg.example\n',
    );
    expect(formatEvent(registrationEvent('Failed', { registrar: 'sip:reg.example', reason: '403 Forbidden' }))).toBe(
      'Event-type: registration-state-changed\n\nId: 1\nState: LinphoneRegistrationFailed\nRegistrar: sip:reg.example\nReason: 403 Forbidden\n',
    );
  });

  it('button-pressed: one event per press, with the button\'s name', () => {
    let press = (_button: string) => {};
    const seen: ControlEvent[] = [];
    publishGpioEvents({ onPress: (l) => ((press = l), () => {}) }, { publish: (e) => seen.push(e) });
    press('flat-2');
    expect(seen.map(formatEvent)).toEqual(['Event-type: button-pressed\n\nButton: flat-2\n']);
  });
});
