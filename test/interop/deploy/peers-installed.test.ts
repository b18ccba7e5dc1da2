/**
 * The interop tests skip a peer that is not installed, so a machine without
 * it still runs the rest. After `scripts/setup` (the README's test command
 * runs it first) every one of them must be there: otherwise a missing
 * install step would turn wire tests into silent skips and a green run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { avahiInstalled } from '../../support/avahi.js';
import { baresipDecodesH264, hasBaresip } from '../../support/baresip.js';
import { hasDnsmasq } from '../../support/dnsmasq.js';
import { hasKamailio } from '../../support/kamailio.js';
import { hasLinphone, linphoneDecodesH264 } from '../../support/linphone.js';
import { mosquittoInstalled } from '../../support/mosquitto.js';
import { hasSipp } from '../../support/sipp.js';
import { hasOpenssl } from '../../support/tls-certs.js';

const ARCH = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
const runs = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

describe('the peers scripts/setup installs', () => {
  it('are all there, so no interop test is skipped for a missing one', () => {
    const peers: Record<string, boolean> = {
      'sipp (sip-tester)': hasSipp,
      'SIPp RFC 4733 pcaps': existsSync('/usr/share/sip-tester/dtmf_2833_1.pcap'),
      kamailio: hasKamailio,
      'kamailio tls module': existsSync(`/usr/lib/${ARCH}-linux-gnu/kamailio/modules/tls.so`),
      baresip: hasBaresip,
      'baresip avcodec (baresip-ffmpeg)': baresipDecodesH264,
      'linphone-daemon': hasLinphone,
      'linphone H.264 (mediastreamer2-plugin-openh264)': linphoneDecodesH264,
      mosquitto: mosquittoInstalled,
      'avahi-daemon (as root)': avahiInstalled,
      dnsmasq: hasDnsmasq,
      openssl: hasOpenssl,
      socat: runs('socat', '-V'),
      'gst-launch-1.0': runs('gst-launch-1.0', '--version'),
    };
    expect(Object.entries(peers).filter(([, there]) => !there).map(([name]) => name)).toEqual([]);
  });
});
