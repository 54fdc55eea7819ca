/**
 * The ids an import gives the source's cases, teams, requesters and agents. Ids name streams, so they are letters,
 * digits and . _ : - (ID_PATTERN); the source's values are folded into them: accents dropped, lower case, each run of
 * other characters one -. A word of any other script (or with letters such as ß) is kept, written in Punycode
 * (RFC 3492, as internationalised domain names are: "xn--" and the encoding), so no letter or digit is lost and the
 * word can be read back. A value with no letter or digit at all (only punctuation, symbols or spaces) gives no id.
 * Each id is bound to its source (importedId).
 */
const ID_MAX = 120;
/** The longest id the deciders take (ID_PATTERN). */
const ID_LENGTH_LIMIT = 128;

/**
 * The id an import gives a source value, bound to its source: `<source>:<folded value>`. Ids holding ':' are the
 * desk's own processes' to create (the deciders refuse anyone else), so no live command can create a request, customer,
 * department or agent an import later writes into, and two sources importing alike values get apart streams. The
 * source names no ':', so the first ':' ends it; the folded value is cut to keep the whole within the id's length.
 */
export function importedId(source: string, value: string): string | null {
  const folded = foldedId(value, ID_LENGTH_LIMIT - source.length - 1);
  return folded === null ? null : `${source}:${folded}`;
}

/**
 * Who an assignment goes to when the log names nobody and nobody holds the request (the import registers this agent
 * too): no source value folds to it, since a folded value starts with a letter or a digit.
 */
export function unassignedAgentId(source: string): string {
  return `${source}:_unassigned`;
}

export function sourceId(value: string): string | null {
  return foldedId(value, ID_MAX);
}

function foldedId(value: string, maxLength: number): string | null {
  const folded = value.normalize('NFKD').toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '');
  const encoded = folded.replace(/[\p{L}\p{N}]+/gu, (word) => (/^[a-z0-9]+$/.test(word) ? word : `xn--${punycode(word)}`));
  const id = encoded
    .replace(/[^a-z0-9._:-]+/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '')
    .slice(0, maxLength);
  return /[a-z0-9]/.test(id) ? id : null;
}

export type SourceKind = 'case' | 'team' | 'requester' | 'agent';

/**
 * The source value each id was first given for, per kind: folding is not one to one (case, accents, separators,
 * the length cut), and two values that fold to one id must not become one request, team or person unnoticed. The
 * first value in the file keeps the id; a row naming another value with the same id is refused, and says which
 * (unless the mapping says the column's spellings vary: mergeSpellings).
 */
export class SourceIds {
  private readonly owners = new Map<SourceKind, Map<string, { value: string; line: number }>>();

  /** Why value cannot have id (another value has it), or null. */
  conflict(kind: SourceKind, value: string, id: string): string | null {
    const owner = this.owners.get(kind)?.get(id);
    if (!owner || owner.value === value) return null;
    return `${kind} "${value.slice(0, 40)}" gives the id ${id}, which ${kind} "${owner.value.slice(0, 40)}" (line ${owner.line}) has: two values of the source cannot share an id`;
  }

  claim(kind: SourceKind, value: string, id: string, line: number): void {
    let owners = this.owners.get(kind);
    if (!owners) this.owners.set(kind, (owners = new Map()));
    if (!owners.has(id)) owners.set(id, { value, line });
  }
}

const BASE = 36;
const T_MIN = 1;
const T_MAX = 26;
const SKEW = 38;
const DAMP = 700;

function adapt(delta: number, points: number, first: boolean): number {
  let scaled = first ? Math.floor(delta / DAMP) : delta >> 1;
  scaled += Math.floor(scaled / points);
  let k = 0;
  while (scaled > ((BASE - T_MIN) * T_MAX) >> 1) {
    scaled = Math.floor(scaled / (BASE - T_MIN));
    k += BASE;
  }
  return k + Math.floor(((BASE - T_MIN + 1) * scaled) / (scaled + SKEW));
}

/** 0–25 are a–z, 26–35 are 0–9. */
function digit(value: number): string {
  return String.fromCharCode(value < 26 ? 97 + value : 22 + value);
}

/** RFC 3492 Punycode of a word (its ASCII characters first, then the others as variable-length deltas). */
export function punycode(word: string): string {
  const points = Array.from(word, (character) => character.codePointAt(0)!);
  let output = points
    .filter((point) => point < 0x80)
    .map((point) => String.fromCharCode(point))
    .join('');
  const basic = output.length;
  if (basic > 0) output += '-';
  let n = 0x80;
  let delta = 0;
  let bias = 72;
  for (let handled = basic; handled < points.length;) {
    const next = Math.min(...points.filter((point) => point >= n));
    delta += (next - n) * (handled + 1);
    n = next;
    for (const point of points) {
      if (point < n) delta++;
      if (point !== n) continue;
      let q = delta;
      for (let k = BASE; ; k += BASE) {
        const t = k <= bias ? T_MIN : k >= bias + T_MAX ? T_MAX : k - bias;
        if (q < t) break;
        output += digit(t + ((q - t) % (BASE - t)));
        q = Math.floor((q - t) / (BASE - t));
      }
      output += digit(q);
      bias = adapt(delta, handled + 1, handled === basic);
      delta = 0;
      handled++;
    }
    delta++;
    n++;
  }
  return output;
}
