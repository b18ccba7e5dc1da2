/**
 * SDP text → sdp-transform's shape, with every field negotiation relies on
 * made to hold what its type says. sdp-transform turns any all-digit value
 * into a number (`c=IN IP4 127` gives a numeric address, `a=rtpmap:96
 * 1234/90000` a numeric codec name), keeps ports and payload types of any
 * size, and leaves an m= line it cannot read without type or port. A
 * screen's broken SDP must cost that stream (or the call, with an SdpError
 * saying why), never a TypeError in the middle of a call or a port GStreamer
 * refuses.
 */
import { isIP } from 'node:net';
import { parse, type MediaAttributes, type SessionDescription } from 'sdp-transform';
import { SdpError } from './types.js';
import { errorMessage } from '../log/error-message.js';

/** An INVITE body is a few kB; more is an attack or a bug, and parsing it costs the whole event loop. */
export const MAX_SDP_BYTES = 64 * 1024;
/** We use two streams; a screen may add a few it wants rejected. */
export const MAX_MEDIA_LINES = 32;

const isPort = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
const isPayloadType = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 127;

/** Throws SdpError when the text is not SDP we can negotiate with at all. */
export function readSdp(text: string): SessionDescription {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_SDP_BYTES) throw new SdpError(`SDP of ${bytes} bytes; at most ${MAX_SDP_BYTES} are read`);
  let sdp: SessionDescription;
  try {
    // Empty lines dropped first: sdp-transform keeps each in a split that
    // also holds the separators, and a run of bare CRs made that superlinear.
    sdp = parse(`${text.split(/\r\n|\r|\n/).filter((l) => l !== '').join('\r\n')}\r\n`);
  } catch (e) {
    throw new SdpError(`unreadable SDP: ${errorMessage(e)}`);
  }
  if (!Array.isArray(sdp.media) || sdp.media.length === 0) throw new SdpError('SDP has no m= line');
  if (sdp.media.length > MAX_MEDIA_LINES) throw new SdpError(`SDP has ${sdp.media.length} m= lines; at most ${MAX_MEDIA_LINES} are read`);
  if (sdp.connection) sdp.connection.ip = address(sdp.connection.ip, 'session');
  sdp.media.forEach((m, i) => tidyMedia(m, i));
  return sdp;
}

/** The c= address as text, when it is an IP literal (media is sent to addresses, never to names). */
function address(ip: unknown, where: string): string {
  const text = String(ip ?? '');
  // "a.b.c.d/ttl" is multicast with a TTL: the address is before the slash.
  if (isIP(text.split('/')[0]!) === 0) throw new SdpError(`${where} c= address "${printable(text)}" is not an IP address`);
  return text;
}

function tidyMedia(m: SessionDescription['media'][number], index: number): void {
  const raw = m as Partial<MediaAttributes> & { type?: unknown; port?: unknown; protocol?: unknown; payloads?: unknown };
  m.type = typeof raw.type === 'string' ? raw.type : String(raw.type ?? 'unknown');
  m.protocol = String(raw.protocol ?? '');
  // Only numbers RTP can carry; the rest of an m= format list is not ours to read.
  m.payloads = String(raw.payloads ?? '')
    .split(/\s+/)
    .filter((t) => /^\d{1,3}$/.test(t) && Number(t) <= 127)
    .join(' ');
  if (m.connection) m.connection.ip = address(m.connection.ip, `m-line ${index + 1} (${m.type})`);
  if (m.rtcp && !isPort(m.rtcp.port)) delete m.rtcp;
  // RFC 3605 allows a host name after the port; we never resolve names from a peer's SDP (issue 12):
  // a name is ignored and RTCP goes to the stream's c= address.
  if (m.rtcp && m.rtcp.address !== undefined && isIP(String(m.rtcp.address)) === 0) {
    const { port } = m.rtcp;
    m.rtcp = { port };
  }
  // An unreadable m= line, a port out of range, or 65535 with no room for RTCP: the stream is unusable, as if rejected with port 0.
  const port = raw.port;
  m.port = isPort(port) && (port < 65535 || m.rtcp !== undefined) ? port : 0;
  m.rtp = (m.rtp ?? [])
    .filter((r) => isPayloadType(r.payload) && typeof r.rate === 'number' && Number.isFinite(r.rate) && r.rate > 0)
    .map((r) => ({ ...r, codec: String(r.codec), encoding: typeof r.encoding === 'number' && r.encoding > 0 ? r.encoding : undefined }));
  m.fmtp = (m.fmtp ?? []).filter((f) => isPayloadType(f.payload)).map((f) => ({ ...f, config: String(f.config) }));
  if (m.crypto) m.crypto = m.crypto.map((c) => ({ ...c, suite: String(c.suite), config: String(c.config) }));
}

/** For an error message that goes to logs and the control socket: one line, no control bytes. */
function printable(text: string): string {
  return text.slice(0, 64).replace(/[^\x20-\x7e]/g, '?');
}
