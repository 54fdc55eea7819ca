/** The value of the first sample of series `name` in a Prometheus text exposition (NaN when absent). */
export function metricValue(text: string, name: string): number {
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+-]+|NaN)$`, 'm').exec(text)?.[1] ?? NaN);
}
