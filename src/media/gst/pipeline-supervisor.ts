/**
 * Keeps a ManagedPipeline running while it is wanted: a failure is
 * reported, then the pipeline is started again after a backoff. Nothing
 * here throws; every problem becomes an event.
 */
import type { ManagedPipeline } from './managed-pipeline.js';
import { DEFAULT_BACKOFF, RestartBackoff, type BackoffOptions } from './restart-backoff.js';
import { TypedEmitter } from '../../events/typed-emitter.js';

export interface SupervisorEvents extends Record<string, unknown[]> {
  up: [];
  /** It failed and will be started again in `retryInMs`. */
  down: [reason: string, retryInMs: number, attempt: number];
  warning: [text: string];
}

export class PipelineSupervisor extends TypedEmitter<SupervisorEvents> {
  private wanted = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly backoff: RestartBackoff;
  private readonly now: () => number;

  constructor(
    readonly pipeline: ManagedPipeline,
    opts: { backoff?: BackoffOptions; now?: () => number } = {},
  ) {
    super();
    this.backoff = new RestartBackoff(opts.backoff ?? DEFAULT_BACKOFF);
    this.now = opts.now ?? Date.now;
    pipeline.on('playing', () => {
      this.backoff.up(this.now());
      this.emit('up');
    });
    pipeline.on('failed', (reason) => this.onFailed(reason));
    pipeline.on('warning', (text) => this.emit('warning', text));
  }

  get active(): boolean {
    return this.wanted;
  }

  start(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.backoff.reset();
    this.pipeline.start();
  }

  stop(): void {
    this.wanted = false;
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    this.pipeline.stop();
  }

  private onFailed(reason: string): void {
    if (!this.wanted) return;
    const delay = this.backoff.failed(this.now());
    this.emit('down', reason, delay, this.backoff.attempts);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.wanted) this.pipeline.start();
    }, delay);
  }
}
