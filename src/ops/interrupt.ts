/**
 * SIGINT and SIGTERM during a run that writes: the first one lets the write in flight finish and
 * starts no other (so no change is half-applied), the run then records what it finished and
 * releases its lock; a second one ends the process at once.
 */
export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface Interruption {
  /** The signal received, once one was. */
  readonly signal: StopSignal | undefined;
  /** Stops listening (the signals' default behaviour returns). */
  dispose(): void;
}

export function watchInterrupts(onFirst?: (signal: StopSignal) => void): Interruption {
  let received: StopSignal | undefined;
  const handler = (signal: StopSignal) => {
    if (received !== undefined) process.exit(signal === 'SIGINT' ? 130 : 143);
    received = signal;
    onFirst?.(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    get signal() {
      return received;
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
