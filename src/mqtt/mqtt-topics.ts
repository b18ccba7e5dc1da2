/**
 * The door's MQTT topics and payloads, in one place: what Home Assistant
 * and scripts subscribe to. State topics are retained (a dashboard that
 * connects later sees the current state); event topics are not (a press is
 * news once, and a retained press would ring again on every reconnect).
 *
 *   PREFIX/NODE/availability   online | offline (retained; offline is the will)
 *   PREFIX/NODE/button         {"event_type":"press","button":NAME,"at":ISO}
 *   PREFIX/NODE/call/state     call state, e.g. outgoing-ringing (retained)
 *   PREFIX/NODE/call/event     {"id","state","from","reason"?,"at"}
 *   PREFIX/NODE/door/contact   ON while the door is open (door_contact), or without one while a relay pulses; else OFF (retained)
 *   PREFIX/NODE/door/event     {"event":"opened"|"refused"|"locked"|"unlocked"|"held-open"|"forced",…}
 *   PREFIX/NODE/registration   None | Progress | Ok | Cleared | Failed (retained)
 *   PREFIX/NODE/media/event    {"event":"error"|"recovered","component",…}
 *   PREFIX/NODE/picture        the visitor's JPEG, taken on a press (retained)
 *   PREFIX/NODE/command        ring [BUTTON] | terminate [ID] | open-door [RELAY]
 */
import type { MqttConfig } from '../config/schema.js';

export interface DoorTopics {
  readonly base: string;
  readonly availability: string;
  readonly button: string;
  readonly callState: string;
  readonly callEvent: string;
  readonly doorContact: string;
  readonly doorEvent: string;
  readonly registration: string;
  readonly mediaEvent: string;
  readonly picture: string;
  readonly command: string;
}

export function doorTopics(c: Pick<MqttConfig, 'topic_prefix' | 'node_id'>): DoorTopics {
  const base = `${c.topic_prefix}/${c.node_id}`;
  return {
    base,
    availability: `${base}/availability`,
    button: `${base}/button`,
    callState: `${base}/call/state`,
    callEvent: `${base}/call/event`,
    doorContact: `${base}/door/contact`,
    doorEvent: `${base}/door/event`,
    registration: `${base}/registration`,
    mediaEvent: `${base}/media/event`,
    picture: `${base}/picture`,
    command: `${base}/command`,
  };
}

export const ONLINE = 'online';
export const OFFLINE = 'offline';
export const PRESS_EVENT = 'press';

/** One message to publish; `payload` is JSON text, a state word or a picture. */
export interface Outgoing {
  readonly topic: string;
  readonly payload: string | Buffer;
  readonly retain: boolean;
}

/** A JSON event: undefined fields are left out, `at` stamps when it happened. */
export function jsonEvent(topic: string, fields: Record<string, string | number | undefined>, at = new Date()): Outgoing {
  const body: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) body[k] = v;
  body.at = at.toISOString();
  return { topic, payload: JSON.stringify(body), retain: false };
}

export function state(topic: string, value: string): Outgoing {
  return { topic, payload: value, retain: true };
}
