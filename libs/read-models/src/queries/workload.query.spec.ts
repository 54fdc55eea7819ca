import { percentile } from './workload.query';

describe('the percentile of the workload times', () => {
  it.each([
    ['the median of an even count: the mean of the two middle values', [5, 10, 20, 40], 0.5, 15],
    ['p90 of four: at rank 2.7, 20 + 0.7 · 20', [5, 10, 20, 40], 0.9, 34],
    ['the median of an odd count: the middle value', [5, 10, 20], 0.5, 10],
    ['p90 of three: at rank 1.8', [10, 20, 90], 0.9, 76],
    ['the median of two', [1, 2], 0.5, 1.5],
    ['p90 of ten: at rank 8.1', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9.1],
    ['p90 of eleven: the tenth exactly', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9, 10],
    ['one value, whatever the share', [42], 0.9, 42],
    ['equal values', [7, 7, 7, 7], 0.5, 7],
    ['share 0: the least', [3, 8, 9], 0, 3],
    ['share 1: the greatest', [3, 8, 9], 1, 9],
  ] as [string, number[], number, number][])('gives %s', (_, sorted, share, expected) => {
    expect(percentile(sorted, share)).toBe(expected);
  });

  it('gives the interpolation with one rounding: the closest number to the exact value for whole minutes', () => {
    // Rank (n − 1) · 0.9 in whole tenths, so the exact value is (10 · x[k] + r · (x[k+1] − x[k])) / 10: one division.
    for (let n = 1; n <= 300; n++) {
      const sorted = Array.from({ length: n }, (_, i) => i * i + (i % 7));
      const tenths = (n - 1) * 9;
      const k = Math.floor(tenths / 10);
      const r = tenths % 10;
      const exact = r === 0 ? sorted[k] : (10 * sorted[k] + r * (sorted[k + 1] - sorted[k])) / 10;
      expect(percentile(sorted, 0.9)).toBe(exact);
      expect(percentile(sorted, 0.5)).toBe(n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2);
    }
  });

  it('refuses no values and a share outside 0..1', () => {
    expect(() => percentile([], 0.5)).toThrow(RangeError);
    expect(() => percentile([1], 1.5)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});
