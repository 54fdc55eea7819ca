export interface Pacing {
  /** Settles when the last slot is due. */
  done: Promise<void>;
  fired: () => number;
  missed: () => number;
}

/**
 * Fires `fire` `rate` times a second from now for `seconds`, on schedule whatever the answers take (open loop).
 * `fire` answers false when it may not send now (too much in flight): that slot is missed, not deferred.
 */
export function paced(
  rate: number,
  seconds: number,
  fire: () => boolean,
): { done: Promise<void>; fired: () => number; missed: () => number } {
  const started = performance.now();
  let fired = 0;
  let missed = 0;
  let finish: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const timer = setInterval(() => {
    const elapsed = Math.min(seconds, (performance.now() - started) / 1000);
    const due = Math.floor(rate * elapsed);
    while (fired + missed < due) {
      if (fire()) fired++;
      else missed++;
    }
    if (elapsed >= seconds) {
      clearInterval(timer);
      finish();
    }
  }, 5);
  return { done, fired: () => fired, missed: () => missed };
}
