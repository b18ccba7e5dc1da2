/**
 * Call commands with linphone-daemon's replies and reason texts
 * (LINPHONE-DAEMON.md §5), which existing clients compare byte for byte.
 */
import { toDtmfDigit } from '../../dtmf.js';
import type { DoorCall } from '../../door/call/door-call.js';
import { CallState, type CallStateName } from '../../door/call/call-state.js';
import type { DoorStation } from '../../door/door-station.js';
import type { MediaEngine, VideoDestinationStats } from '../../media/media-engine.js';
import { parseSipUri } from '../../sip/message/index.js';
import { LINPHONE_CALL_STATE } from '../events/call-events.js';
import type { Command } from '../registry.js';
import { fail, ok, type Body, type Reply } from '../reply.js';
import { errorMessage } from '../../log/error-message.js';
import { unknownName } from '../../config/names.js';

/** States in which linphone's call-status shows From (the remote party). */
const SHOWS_FROM = new Set<CallStateName>([
  CallState.OutgoingInit,
  CallState.OutgoingProgress,
  CallState.OutgoingRinging,
  CallState.StreamsRunning,
  CallState.Connected,
  CallState.IncomingReceived,
]);
const CONNECTED = new Set<CallStateName>([CallState.Connected, CallState.StreamsRunning]);

function pickCall(door: DoorStation, args: string, none: string): DoorCall | Reply {
  const id = args.split(/\s+/)[0] ?? '';
  if (id === '') return door.current() ?? fail(none);
  if (!/^\d+$/.test(id)) return fail('No call with such id.');
  const call = door.get(Number(id));
  return call && call.state !== CallState.Released ? call : fail('No call with such id.');
}

const isReply = (x: DoorCall | Reply): x is Reply => 'status' in x;

/** `user@host` → `sip:user@host`, as linphone-daemon completes it; undefined unless the SIP parser reads it as a SIP URI. */
function normaliseUri(word: string): string | undefined {
  const uri = /^sips?:/i.test(word) ? word : word.includes('@') ? `sip:${word}` : undefined;
  if (!uri) return undefined;
  try {
    parseSipUri(uri);
    return uri;
  } catch {
    return undefined;
  }
}

/** `ADDR:PORT sr=N pli=N fir=N[ lost=N/256]`: one screen's RTCP in one item of a comma list. */
function rtcpSummary(d: VideoDestinationStats): string {
  const r = d.rtcpStats;
  const lost = r.fractionLost !== undefined ? ` lost=${r.fractionLost}/256` : '';
  return `${d.address}:${d.port} sr=${r.senderReports} pli=${r.pliReceived} fir=${r.firReceived}${lost}`;
}

export function callCommands(door: DoorStation, media: MediaEngine): Command[] {
  return [
    {
      name: 'call',
      syntax: 'call <sip-address> [--early-media]',
      description: 'Calls a SIP address. Early media follows call.early_media; --early-media forces video on while it rings.',
      run: (args) => {
        const [address, flag] = args.split(/\s+/).filter(Boolean);
        if (!address) return fail('Missing address parameter.');
        const uri = normaliseUri(address);
        if (!uri) return fail('Call creation failed.');
        const forced = flag === '--early-media';
        const { id } = door.call([uri], forced && door.earlyMediaSetting === 'none' ? 'video' : door.earlyMediaSetting);
        return ok([...(forced ? ([['Early media', 'Ok']] as const) : []), ['Id', id]]);
      },
    },
    {
      name: 'ring',
      syntax: 'ring [<button>]',
      description:
        'Does what a press of a button does (none named: the first): rings the plan of that button in force now ' +
        '(call.targets without [[buttons]]). A press during a call is ignored.',
      run: (args) => {
        const words = args.split(/\s+/).filter(Boolean);
        if (words.length > 1) return fail('ring takes at most one argument, a button name.');
        const name = words[0];
        if (name !== undefined && !door.buttonNames.includes(name)) return fail(unknownName('button', name, door.buttonNames));
        return ok([['Id', door.ring(name).id]]);
      },
    },
    {
      name: 'terminate',
      syntax: 'terminate [<call_id>]',
      description: 'Hangs up: CANCEL while ringing, BYE once answered.',
      run: async (args) => {
        const call = pickCall(door, args, 'No active call.');
        if (isReply(call)) return call;
        await door.terminate(call.id);
        return ok();
      },
    },
    {
      name: 'answer',
      syntax: 'answer [<call_id>]',
      description: 'Answers an incoming call (from door.allowed; with auto_answer they are answered already).',
      run: async (args) => {
        const call = pickCall(door, args, 'No call to accept.');
        if (isReply(call)) return call;
        if (call.direction !== 'in' || call.state !== CallState.IncomingReceived) return fail("Can't accept this call.");
        return (await call.accept()) ? ok() : fail("Can't accept this call.");
      },
    },
    {
      name: 'call-status',
      syntax: 'call-status [<call_id>]',
      description: 'State of a call; Forks: is the number of screens it rings with early media.',
      run: (args) => {
        const call = pickCall(door, args, 'No current call available.');
        if (isReply(call)) return call;
        const body: Array<[string, string | number]> = [['State', LINPHONE_CALL_STATE[call.state]]];
        if (SHOWS_FROM.has(call.state)) body.push(['From', call.peer ?? call.remote]);
        if (CONNECTED.has(call.state)) {
          body.push(['Direction', call.direction]);
          body.push(['Duration', Math.floor((Date.now() - (call.connectedAt ?? Date.now())) / 1000)]);
        }
        body.push(['Forks', call.earlyForks]);
        return ok(body);
      },
    },
    {
      name: 'call-stats',
      syntax: 'call-stats [<call_id>]',
      description: 'Media figures: codec, packets and bytes each way, where video goes.',
      run: (args) => {
        const call = pickCall(door, args, 'No current call available.');
        if (isReply(call)) return call;
        const s = media.stats();
        const body: Body = [
          ['Id', call.id],
          ['Video-encoder', s.video.encoder ?? 'none'],
          ['Video-destinations', s.video.destinations.map((d) => `${d.address}:${d.port}${d.srtp ? ' srtp' : ''}`).join(', ') || 'none'],
          ['Video-keyframes-forced', s.video.keyFramesForced],
          // RTCP: sender reports we sent; PLI (RFC 4585) / FIR (RFC 5104) key frame requests the screens sent.
          ['Video-rtcp-sender-reports', s.video.rtcp.senderReports],
          ['Video-pli-received', s.video.rtcp.pliReceived],
          ['Video-fir-received', s.video.rtcp.firReceived],
          // RFC 3711 §3.3/§3.4: RTCP from SRTP screens that failed authentication or was replayed: dropped, counted, never obeyed.
          ['Video-srtcp-auth-failures', s.video.rtcp.srtcpAuthFailures],
          ['Video-srtcp-replays', s.video.rtcp.srtcpReplays],
          ['Video-rtcp-destinations', s.video.destinations.map(rtcpSummary).join(', ') || 'none'],
          // Whether the camera runs now and how often it failed: why a screen may be black.
          ['Video-playing', s.video.playing ? 'yes' : 'no'],
          ['Video-failures', s.video.failures],
          ['Audio-codec', s.audio.codec ?? 'none'],
          ['Audio-remote', s.audio.remote ?? 'none'],
          ['Audio-packets-sent', s.audio.packetsSent],
          ['Audio-bytes-sent', s.audio.bytesSent],
          ['Audio-packets-received', s.audio.packetsReceived],
          ['Audio-bytes-received', s.audio.bytesReceived],
          ['Audio-srtp', s.audio.srtp ? 'yes' : 'no'],
          // RFC 3711 §3.3: dropped, counted, never acted upon.
          ['Audio-srtp-auth-failures', s.audio.srtpAuthFailures ?? 0],
          ['Audio-srtp-replays', s.audio.srtpReplays ?? 0],
          ['Audio-playing', s.audio.playing ? 'yes' : 'no'],
          ['Audio-failures', s.audio.failures],
        ];
        return ok(body);
      },
    },
    {
      name: 'dtmf',
      syntax: 'dtmf <digit>',
      description: 'Sends one RFC 4733 DTMF digit (0-9, *, #, A-D) in the current call.',
      run: async (args) => {
        if (!args) return fail('Missing digit parameter.');
        const digit = toDtmfDigit(args[0]!);
        if (digit === undefined) return fail('Incorrect digit parameter.');
        if (!door.current()) return fail('No active call.');
        try {
          await door.sendDtmf(digit);
          return ok();
        } catch (e) {
          return fail(errorMessage(e));
        }
      },
    },
  ];
}
