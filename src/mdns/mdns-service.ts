/**
 * DNS-SD on the home LAN (RFC 6762, RFC 6763) as a daemon part: the door
 * announces its SIP transports so screens can find it, and (when asked)
 * watches for a registrar/proxy and for screens announced by others.
 *
 * Library: bonjour-service, the maintained TypeScript successor of
 * `bonjour`: it both publishes (probing, announcing, goodbye on stop) and
 * browses (PTR → SRV/TXT/A), which @homebridge/ciao does not (publish
 * only), and it sits on multicast-dns, which local-resolver.ts uses for
 * plain `.local` A/AAAA look-ups. It is imported in start() only.
 *
 * No multicast (a board without a LAN yet, a firewall) is logged once and
 * the browse is asked again later; the door works on without it.
 */
import { hostname } from 'node:os';
import type { Bonjour, Browser } from 'bonjour-service';
import type { MdnsConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { errorMessage } from '../log/error-message.js';
import { doorTxt, registrarUri, roleOf, screenUri, serviceTypeOf, REGISTRAR_ROLES, SCREEN_ROLE, type Announced, type SipProtocol } from './sip-services.js';

/** Browses are asked again this often until a registrar is found (RFC 6762 §5.2 allows an hour; a door booting before the router needs less). */
export const REQUERY_MS = 30_000;

/**
 * Screens kept from announcements: more than a home has, and bounded, since
 * anyone on the LAN can announce any number of names and each one kept is
 * rung on every press.
 */
export const MAX_SCREENS = 16;

export interface MdnsServiceOptions {
  config: MdnsConfig;
  identity: string;
  version: string;
  /** The SIP transports as bound (read at start, so port 0 shows the real port). */
  transports(): Array<{ protocol: SipProtocol; port: number }>;
  /** A registrar or proxy was announced (called once, for the first). */
  onRegistrar?(uri: string): void;
  /** The screens announced now (called on every change; empty when the last went away). */
  onScreens?(uris: string[]): void;
  log: Logger;
}

export class MdnsService {
  readonly name = 'mdns';
  private bonjour: Bonjour | undefined;
  private readonly browsers: Browser[] = [];
  private readonly screens = new Map<string, string>();
  private registrar: string | undefined;
  private requery: NodeJS.Timeout | undefined;
  private warned = false;
  private screensWarned = false;

  constructor(private readonly opts: MdnsServiceOptions) {}

  async start(): Promise<void> {
    const { config, log } = this.opts;
    const { Bonjour } = await import('bonjour-service');
    // Its options go to multicast-dns as they are, though typed as a service's. `interface` (the LAN address)
    // also becomes multicast-dns's bind address unless `bind` is given, and a socket bound to a unicast
    // address never sees multicast answers on Linux: bind the wildcard.
    const mdnsOptions = (config.interface ? { interface: config.interface, bind: '0.0.0.0' } : {}) as ConstructorParameters<typeof Bonjour>[0];
    const bonjour = new Bonjour(mdnsOptions, (e: unknown) => this.problem(errorMessage(e)));
    this.bonjour = bonjour;
    if (config.publish) this.publish(bonjour);
    if (config.discover_registrar || config.discover_targets) {
      for (const p of ['udp', 'tcp', 'tls'] as const) {
        const b = bonjour.find(serviceTypeOf(p));
        b.on('up', (s) => this.up(s));
        b.on('down', (s) => this.down(s));
        this.browsers.push(b);
      }
      this.requery = setInterval(() => {
        for (const b of this.browsers) b.update();
      }, REQUERY_MS);
      this.requery.unref();
      const waited = setTimeout(() => {
        if (config.discover_registrar && !this.registrar) log.info(`no registrar announced on the LAN within ${config.browse_timeout} s; still listening`);
      }, config.browse_timeout * 1000);
      waited.unref();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.requery);
    for (const b of this.browsers) b.stop();
    const bonjour = this.bonjour;
    this.bonjour = undefined;
    if (!bonjour) return;
    // Goodbye packets (TTL 0, RFC 6762 §10.1) so screens drop the door at once; bounded, as the network may be gone.
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 1000);
      bonjour.unpublishAll(() => {
        clearTimeout(t);
        resolve();
      });
    });
    bonjour.destroy();
  }

  private publish(bonjour: Bonjour): void {
    const { config, identity, version, log } = this.opts;
    const name = config.instance_name || `Door station ${hostname()}`;
    const seen = new Set<string>();
    for (const t of this.opts.transports()) {
      const st = serviceTypeOf(t.protocol);
      const key = `${st.type}.${st.protocol}`;
      if (seen.has(key)) continue;
      seen.add(key);
      try {
        const s = bonjour.publish({ name, ...st, port: t.port, host: `${hostname()}.local`, txt: doorTxt(identity, version) });
        s.on('error', (e: unknown) => this.problem(`publishing _${key}: ${errorMessage(e)}`));
        log.info(`announcing "${name}" as _${st.type}._${st.protocol} port ${t.port}`);
      } catch (e) {
        this.problem(`publishing _${key}: ${errorMessage(e)}`);
      }
    }
  }

  private up(s: Announced): void {
    const role = roleOf(s);
    const { config, log } = this.opts;
    if (REGISTRAR_ROLES.includes(role) && config.discover_registrar && !this.registrar) {
      this.registrar = registrarUri(s);
      log.info(`registrar "${s.name}" announced: ${this.registrar}`);
      this.opts.onRegistrar?.(this.registrar);
    } else if (role === SCREEN_ROLE && config.discover_targets) {
      const uri = screenUri(s);
      if (this.screens.get(s.name) === uri) return;
      if (!this.screens.has(s.name) && this.screens.size >= MAX_SCREENS) {
        if (!this.screensWarned) log.warn(`more than ${MAX_SCREENS} screens announced: "${s.name}" and any further ones are not rung`);
        this.screensWarned = true;
        return;
      }
      this.screens.set(s.name, uri);
      log.info(`screen "${s.name}" announced: ${uri}`);
      this.opts.onScreens?.([...this.screens.values()]);
    }
  }

  private down(s: Announced): void {
    if (!this.screens.delete(s.name)) return;
    this.opts.log.info(`screen "${s.name}" went away`);
    this.opts.onScreens?.([...this.screens.values()]);
  }

  private problem(message: string): void {
    if (this.warned) return this.opts.log.debug(message);
    this.warned = true;
    this.opts.log.warn(`${message}; mDNS keeps trying, the door works on without it`);
  }
}
