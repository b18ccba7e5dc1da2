import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseConfig, parseConfigText } from '../../../src/config/load.js';
import { discoveryMessages, HA_REQUIRED, type HaComponent } from '../../../src/mqtt/ha-discovery.js';
import { doorTopics } from '../../../src/mqtt/mqtt-topics.js';

// mqtt.relay_name must name a relay (issue 15): a gate beside the door when the test names one.
const mqttConfig = (extra: Record<string, unknown> = {}) =>
  parseConfig({ mqtt: { enabled: true, ...extra }, relays: extra.relay_name ? [{ name: 'door', line: 27 }, { name: extra.relay_name, line: 22 }] : [] }).mqtt;

describe('Home Assistant discovery', () => {
  it('gives every entity the fields its component requires, on one device', () => {
    const c = mqttConfig({ node_id: 'front', allow_open_door: true, relay_name: 'gate' });
    const msgs = discoveryMessages(c, doorTopics(c), 'sip:door@myhouse');
    const components = new Set<string>();
    for (const m of msgs) {
      expect(m.retain).toBe(true);
      const [prefix, component, node, , last] = m.topic.split('/') as [string, HaComponent, string, string, string];
      expect([prefix, node, last]).toEqual(['homeassistant', 'doorstation_front', 'config']);
      const cfg = JSON.parse(m.payload.toString()) as Record<string, unknown>;
      for (const k of HA_REQUIRED[component]) expect(cfg, `${m.topic} ${k}`).toHaveProperty(k);
      expect(cfg).toMatchObject({ availability_topic: 'doorstation/front/availability', device: { identifiers: ['doorstation_front'] } });
      components.add(component);
    }
    expect([...components].sort()).toEqual(['binary_sensor', 'button', 'event', 'image', 'sensor']);
    const unique = msgs.map((m) => (JSON.parse(m.payload.toString()) as { unique_id: string }).unique_id);
    expect(new Set(unique).size).toBe(unique.length);
    const button = msgs.find((m) => m.topic.includes('/button/'))!;
    expect(JSON.parse(button.payload.toString())).toMatchObject({ command_topic: 'doorstation/front/command', payload_press: 'open-door gate' });
  });

  it('offers no open button unless opening is allowed, and clears an old one', () => {
    const c = mqttConfig();
    const button = discoveryMessages(c, doorTopics(c), 'sip:door@x').filter((m) => m.topic.includes('/button/'));
    expect(button).toEqual([{ topic: 'homeassistant/button/doorstation_door/open_door/config', payload: '', retain: true }]);
  });
});

describe('[mqtt] and [mdns] config', () => {
  it('is off by default', () => {
    const c = parseConfig({});
    expect(c.mqtt.enabled).toBe(false);
    expect(c.mqtt.allow_open_door).toBe(false);
    expect(c.mdns.enabled).toBe(false);
  });

  it('refuses a bad url, a wildcard prefix and a bad qos', () => {
    expect(() => parseConfig({ mqtt: { url: 'http://broker' } })).toThrow(/url/);
    expect(() => parseConfig({ mqtt: { topic_prefix: 'home/#' } })).toThrow(/topic_prefix/);
    expect(() => parseConfig({ mqtt: { qos: 3 } })).toThrow(/qos/);
    expect(() => parseConfig({ mdns: { browse_timeout: 0 } })).toThrow(/browse_timeout/);
  });
});

describe('README "Home automation and zero configuration"', () => {
  it('has a config the loader takes, with MQTT over TLS and opening off', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('\n## Home automation and zero configuration\n');
    expect(start).toBeGreaterThan(0);
    const toml = /```toml\n([\s\S]*?)^```$/m.exec(readme.slice(start))![1]!;
    const c = parseConfigText(toml);
    expect(c.mqtt).toMatchObject({ enabled: true, allow_open_door: false });
    expect(c.mqtt.url).toMatch(/^mqtts:/);
    expect(c.mdns).toMatchObject({ enabled: true, discover_registrar: true });
  });
});
