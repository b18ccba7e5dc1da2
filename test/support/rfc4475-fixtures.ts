/** Loads the RFC 4475 `.sip` fixtures byte for byte. */
import { readFileSync } from 'node:fs';

export function fixture(name: string): Buffer {
  return readFileSync(new URL(`./fixtures/rfc4475/${name}.sip`, import.meta.url));
}
