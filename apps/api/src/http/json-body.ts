import { BadRequestProblem, UnsupportedMediaTypeProblem } from '@desk/http';

/** Deeper than any body of the API (a service standard is four levels): validating a deeper one would overflow the stack. */
export const MAX_BODY_DEPTH = 32;

/**
 * The JSON body parser: refuses, each with a problem naming the fault, a
 * charset other than UTF-8 (415: the body would be read as UTF-8 all the
 * same, and say something else than was sent), an empty body, text that is
 * not JSON, a key given twice in one object (JSON.parse keeps the last, a
 * proxy or a signature check before the desk may have read the first), a
 * body nested deeper than MAX_BODY_DEPTH, and keys that could reach an
 * object's prototype (`__proto__`, `constructor.prototype`). It walks the
 * text and the parsed value without recursion, so no body can overflow the
 * stack here.
 */
export function parseJsonBody(text: string, contentType?: string): unknown {
  const charset = charsetOf(contentType);
  if (charset !== undefined && !UTF_8.includes(charset.toLowerCase())) {
    throw new UnsupportedMediaTypeProblem(`a JSON body is read as UTF-8 only (RFC 8259); Content-Type names charset=${charset}`);
  }
  if (text === '') throw new BadRequestProblem('the body is empty but Content-Type says application/json; send {} or no Content-Type');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadRequestProblem(`the body is not valid JSON: ${(error as Error).message}`);
  }
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) {
    throw new BadRequestProblem(`the body gives ${duplicate} more than once`, { [duplicate]: 'is given more than once' });
  }
  const forbidden: string[] = [];
  const pending: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: '' }];
  while (pending.length > 0) {
    const { value: node, depth, path } = pending.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) {
      const field = path.split(/[.[]/)[0] || 'body';
      throw new BadRequestProblem(`the body is nested more than ${MAX_BODY_DEPTH} levels deep (in ${field})`, {
        [field]: `is nested more than ${MAX_BODY_DEPTH} levels deep`,
      });
    }
    if (Array.isArray(node)) {
      node.forEach((item, index) => pending.push({ value: item, depth: depth + 1, path: `${path}[${index}]` }));
      continue;
    }
    for (const key of Object.keys(node)) {
      const child = (node as Record<string, unknown>)[key];
      const childPath = path ? `${path}.${key}` : key;
      if (
        key === '__proto__' ||
        (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype'))
      )
        forbidden.push(childPath);
      else pending.push({ value: child, depth: depth + 1, path: childPath });
    }
  }
  if (forbidden.length > 0) {
    throw new BadRequestProblem(
      `the body has keys that could reach an object's prototype: ${forbidden.join(', ')}`,
      Object.fromEntries(forbidden.map((path) => [path, `${path} is not a known field`])),
    );
  }
  return value;
}

const UTF_8 = ['utf-8', 'utf8'];

/** The charset parameter of a Content-Type header (unquoted), or undefined when it names none. */
function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType ?? '');
  return match ? (match[1] ?? match[2]) : undefined;
}

type Frame = { kind: 'object'; keys: Set<string>; key: string | null; awaitsKey: boolean } | { kind: 'array'; index: number };

/**
 * The path of the first key an object of `text` (valid JSON) gives twice, as the problem's fields name paths
 * (`targets[0].priority`), or undefined. Keys are compared as decoded, so `"a"` and `"\u0061"` are the same key.
 */
function firstDuplicateKey(text: string): string | undefined {
  const frames: Frame[] = [];
  for (let at = 0; at < text.length; at++) {
    const character = text[at];
    if (character === '"') {
      let end = at + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const frame = frames[frames.length - 1];
      if (frame?.kind === 'object' && frame.awaitsKey) {
        const key = JSON.parse(text.slice(at, end + 1)) as string;
        if (frame.keys.has(key)) return pathOf(frames.slice(0, -1), key);
        frame.keys.add(key);
        frame.key = key;
        frame.awaitsKey = false;
      }
      at = end;
    } else if (character === '{') {
      frames.push({ kind: 'object', keys: new Set(), key: null, awaitsKey: true });
    } else if (character === '[') {
      frames.push({ kind: 'array', index: 0 });
    } else if (character === '}' || character === ']') {
      frames.pop();
    } else if (character === ',') {
      const frame = frames[frames.length - 1];
      if (frame?.kind === 'object') frame.awaitsKey = true;
      else if (frame) frame.index += 1;
    }
  }
  return undefined;
}

function pathOf(outer: readonly Frame[], key: string): string {
  let path = '';
  for (const frame of outer) path += frame.kind === 'array' ? `[${frame.index}]` : path ? `.${frame.key}` : frame.key;
  return path ? `${path}.${key}` : key;
}
