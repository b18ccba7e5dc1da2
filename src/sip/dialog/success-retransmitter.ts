/**
 * The UAS core's resending of its 2xx to an INVITE (RFC 3261 §13.3.1.4):
 * the INVITE server transaction ends (or, with RFC 6026, only absorbs
 * retransmitted INVITEs) once a 2xx is sent, so over UDP nothing else
 * repeats a lost 2xx. Resend at T1, doubling up to T2, until the ACK;
 * after 64*T1 without one the dialog is to be ended (§13.3.1.4: "the UAS
 * core SHOULD ... send a BYE"). Over TCP/TLS the transport is reliable
 * and the 2xx goes once.
 */
import { DEFAULT_TIMERS, type TimerValues } from '../transaction/timers.js';

export interface SuccessRetransmitterOptions {
  /** Sends the 2xx again. */
  resend(): void;
  /** 64*T1 passed without an ACK. */
  onNoAck(): void;
  reliable: boolean;
  timers?: Partial<TimerValues>;
}

export class SuccessRetransmitter {
  private timer: NodeJS.Timeout | undefined;
  private done = false;

  constructor(private readonly o: SuccessRetransmitterOptions) {
    if (o.reliable) return;
    const { T1, T2 } = { ...DEFAULT_TIMERS, ...o.timers };
    const giveUpAt = Date.now() + 64 * T1;
    const arm = (interval: number) => {
      this.timer = setTimeout(() => {
        if (this.done) return;
        if (Date.now() >= giveUpAt) {
          this.done = true;
          return o.onNoAck();
        }
        o.resend();
        arm(Math.min(2 * interval, T2));
      }, Math.min(interval, Math.max(0, giveUpAt - Date.now())));
    };
    arm(T1);
  }

  /** The ACK came (or the call ended): stop. */
  stop(): void {
    this.done = true;
    clearTimeout(this.timer);
  }
}
