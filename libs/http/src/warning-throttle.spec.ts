import { WarningThrottle } from './warning-throttle';

describe('WarningThrottle', () => {
  it('lets the first line of a condition through, holds back the rest of its interval, and says how many after', () => {
    let now = 0;
    const throttle = new WarningThrottle(10_000, () => now);
    expect(throttle.admit('shed')).toEqual({ heldBack: 0 });
    for (let n = 0; n < 999; n++) expect(throttle.admit('shed')).toBeNull();
    now = 9_999;
    expect(throttle.admit('shed')).toBeNull();
    now = 10_000;
    expect(throttle.admit('shed')).toEqual({ heldBack: 1000 });
    expect(throttle.admit('shed')).toBeNull();
  });

  it('keeps conditions apart', () => {
    const throttle = new WarningThrottle(10_000, () => 0);
    expect(throttle.admit('event store read_only')).toEqual({ heldBack: 0 });
    expect(throttle.admit('commands shed')).toEqual({ heldBack: 0 });
    expect(throttle.admit('event store read_only')).toBeNull();
  });
});
