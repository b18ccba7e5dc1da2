/**
 * One wording for a name the config does not have (a button, a relay;
 * issue 15), so control replies, MQTT log lines and the door's errors say
 * it alike. The name comes from a client or the network: it is quoted as
 * JSON, so no control character reaches a reply or a log line. The names
 * listed are config (checked by the schema), safe as they are.
 */
export function unknownName(kind: 'button' | 'relay', name: string, names: readonly string[]): string {
  return `No ${kind} named ${JSON.stringify(name)}; the ${kind}s are: ${names.join(', ')}.`;
}
