import { BadRequestProblem } from '@desk/http';

/** Deeper than any body of the API (a service standard is four levels): validating a deeper one would overflow the stack. */
export const MAX_BODY_DEPTH = 32;

/**
 * The JSON body parser: refuses, each with a problem naming the fault, an
 * empty body, text that is not JSON, a body nested deeper than
 * MAX_BODY_DEPTH, and keys that could reach an object's prototype
 * (`__proto__`, `constructor.prototype`). It walks the parsed value without
 * recursion, so no body can overflow the stack here.
 */
export function parseJsonBody(text: string): unknown {
  if (text === '') throw new BadRequestProblem('the body is empty but Content-Type says application/json; send {} or no Content-Type');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadRequestProblem(`the body is not valid JSON: ${(error as Error).message}`);
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
