/**
 * What every layer may publish through, without knowing who listens or how
 * it is shown. The control socket's EventBus is one such sink (it turns an
 * event into linphone-daemon's `Event-type:` block); tests use a plain array.
 */

/** `Key: Value` fields of an event, in order. */
export type EventBody = ReadonlyArray<readonly [string, string | number]>;

export interface PublishedEvent {
  /** `Event-type:` value, e.g. `call-state-changed`. */
  readonly type: string;
  readonly body: EventBody;
}

export interface EventSink {
  publish(event: PublishedEvent): void;
}
