/**
 * Home Assistant MQTT discovery: one retained config per entity on
 * DISCOVERY/COMPONENT/NODE/OBJECT/config, all on one device, each with
 * the fields its integration requires (HA docs "MQTT Discovery" and the
 * per-platform pages): event → state_topic + event_types; binary_sensor,
 * sensor → state_topic; button → command_topic; image → image_topic.
 * The relay's button is offered only when opening over MQTT is allowed:
 * a button that is always refused would only confuse.
 */
import type { MqttConfig } from '../config/schema.js';
import { ONLINE, OFFLINE, PRESS_EVENT, type DoorTopics, type Outgoing } from './mqtt-topics.js';
import { VERSION } from '../version.js';

export type HaComponent = 'event' | 'binary_sensor' | 'button' | 'sensor' | 'image';

export interface DiscoveryEntity {
  readonly component: HaComponent;
  readonly objectId: string;
  readonly config: Record<string, unknown>;
}

/** What each component's config must hold (checked by the tests against what we publish). */
export const HA_REQUIRED: Record<HaComponent, readonly string[]> = {
  event: ['state_topic', 'event_types'],
  binary_sensor: ['state_topic'],
  button: ['command_topic'],
  sensor: ['state_topic'],
  image: ['image_topic'],
};

export function discoveryEntities(c: MqttConfig, t: DoorTopics, identity: string): DiscoveryEntity[] {
  const device = {
    identifiers: [`doorstation_${c.node_id}`],
    name: `Door station ${c.node_id}`,
    manufacturer: 'doorstation',
    model: 'SIP door station',
    sw_version: VERSION,
    configuration_url: identity,
  };
  const common = (objectId: string, name: string) => ({
    name,
    unique_id: `doorstation_${c.node_id}_${objectId}`,
    object_id: `doorstation_${c.node_id}_${objectId}`,
    device,
    availability_topic: t.availability,
    payload_available: ONLINE,
    payload_not_available: OFFLINE,
  });
  const entities: DiscoveryEntity[] = [
    {
      component: 'event',
      objectId: 'doorbell',
      config: {
        ...common('doorbell', 'Doorbell'),
        state_topic: t.button,
        event_types: [PRESS_EVENT],
        device_class: 'doorbell',
      },
    },
    {
      component: 'binary_sensor',
      objectId: 'door',
      // The door contact when one is wired (door_contact.line); else the relay's pulse, when the door can be pushed open.
      config: { ...common('door', 'Door'), state_topic: t.doorContact, payload_on: 'ON', payload_off: 'OFF', device_class: 'door' },
    },
    {
      component: 'sensor',
      objectId: 'call_state',
      config: { ...common('call_state', 'Call state'), state_topic: t.callState, icon: 'mdi:phone' },
    },
    {
      component: 'sensor',
      objectId: 'registration',
      config: { ...common('registration', 'SIP registration'), state_topic: t.registration, entity_category: 'diagnostic' },
    },
    {
      component: 'image',
      objectId: 'visitor',
      config: { ...common('visitor', 'Visitor'), image_topic: t.picture, content_type: 'image/jpeg' },
    },
  ];
  if (c.allow_open_door) {
    entities.push({
      component: 'button',
      objectId: `open_${c.relay_name}`,
      config: { ...common(`open_${c.relay_name}`, `Open ${c.relay_name}`), command_topic: t.command, payload_press: `open-door ${c.relay_name}`, icon: 'mdi:door-open' },
    });
  }
  return entities;
}

export function discoveryTopic(c: Pick<MqttConfig, 'discovery_prefix' | 'node_id'>, e: Pick<DiscoveryEntity, 'component' | 'objectId'>): string {
  return `${c.discovery_prefix}/${e.component}/doorstation_${c.node_id}/${e.objectId}/config`;
}

/** The retained discovery messages; a removed button is cleared with an empty retained payload. */
export function discoveryMessages(c: MqttConfig, t: DoorTopics, identity: string): Outgoing[] {
  const out: Outgoing[] = discoveryEntities(c, t, identity).map((e) => ({ topic: discoveryTopic(c, e), payload: JSON.stringify(e.config), retain: true }));
  if (!c.allow_open_door) out.push({ topic: discoveryTopic(c, { component: 'button', objectId: `open_${c.relay_name}` }), payload: '', retain: true });
  return out;
}
