/** The ISO 8601 times the desk reads in queries and arguments: a date, or a date and time with an optional zone. */
export const ISO_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * The time an ISO 8601 text names, or undefined when it names none.
 * `new Date` rolls a day past the end of its month over into the next one
 * (2026-02-30 reads as 2 March); here such a date names no time at all.
 */
export function parseIsoTime(text: string): Date | undefined {
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) return undefined;
  const date = /^([+-]?\d{4,6})-(\d{2})-(\d{2})/.exec(text);
  if (date) {
    const lastDay = new Date(0);
    lastDay.setUTCFullYear(Number(date[1]), Number(date[2]), 0);
    if (Number(date[2]) < 1 || Number(date[2]) > 12 || Number(date[3]) < 1 || Number(date[3]) > lastDay.getUTCDate()) return undefined;
  }
  return time;
}
