import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

/**
 * Documentation of the fields of answers (the response classes in
 * <area>.responses.ts). Input fields are declared with their validation in
 * fields.ts; these only describe what the API sends, so that the document
 * shows every answer with its types, nullability, enums and examples.
 * `nullable` becomes OpenAPI 3.1's `type: [..., 'null']` when the document is built.
 */
export interface AnswerDoc {
  description?: string;
  example?: unknown;
  nullable?: boolean;
  /** The field can be absent (not merely null). */
  optional?: boolean;
}

function answer(doc: AnswerDoc, schema: Record<string, unknown>): PropertyDecorator {
  const options = {
    ...(doc.description === undefined ? {} : { description: doc.description }),
    ...(doc.example === undefined ? {} : { example: doc.example }),
    ...(doc.nullable ? { nullable: true } : {}),
    ...schema,
  };
  return doc.optional ? ApiPropertyOptional(options) : ApiProperty(options);
}

export const Answer = {
  string: (doc: AnswerDoc = {}) => answer(doc, { type: String }),
  id: (doc: AnswerDoc = {}) => answer({ example: 'req-42', ...doc }, { type: String }),
  /** An ISO 8601 time with its zone, as the desk writes times. */
  time: (doc: AnswerDoc = {}) => answer({ example: '2026-03-02T09:00:00.000Z', ...doc }, { type: String, format: 'date-time' }),
  day: (doc: AnswerDoc = {}) => answer({ example: '2026-03-02', ...doc }, { type: String, format: 'date' }),
  /** A 64-bit revision or log position, as a decimal string (JSON numbers cannot hold them all). */
  position: (doc: AnswerDoc = {}) => answer({ example: '1207', ...doc }, { type: String, pattern: '^\\d{1,20}$' }),
  oneOf: (values: readonly string[], doc: AnswerDoc = {}) => answer({ example: values[0], ...doc }, { type: String, enum: [...values] }),
  integer: (doc: AnswerDoc & { min?: number; max?: number } = {}) =>
    answer(doc, {
      type: 'integer',
      ...(doc.min === undefined ? {} : { minimum: doc.min }),
      ...(doc.max === undefined ? {} : { maximum: doc.max }),
    }),
  count: (doc: AnswerDoc = {}) => answer({ example: 3, ...doc }, { type: 'integer', minimum: 0 }),
  number: (doc: AnswerDoc = {}) => answer(doc, { type: Number }),
  boolean: (doc: AnswerDoc = {}) => answer(doc, { type: Boolean }),
  strings: (doc: AnswerDoc = {}) => answer(doc, { type: [String] }),
  oneOfList: (values: readonly string[], doc: AnswerDoc = {}) => answer(doc, { type: String, isArray: true, enum: [...values] }),
  // The thunks are named `type` (an object member), as Nest recognises a lazy type.
  nested: (of: () => object, doc: AnswerDoc = {}) => answer(doc, { type: () => of() }),
  list: (of: () => object, doc: AnswerDoc = {}) => answer(doc, { type: () => [of()] }),
  /** An object of counts by key (a status, a priority…). */
  counts: (doc: AnswerDoc = {}) =>
    answer({ example: { new: 2, assigned: 1 }, ...doc }, { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } }),
  /** Any JSON object (an event's data, a store's status). */
  object: (doc: AnswerDoc = {}) => answer(doc, { type: 'object', additionalProperties: true }),
};

type AnswerClass = new (...args: never[]) => object;

/**
 * Documents a query's success answer (200 unless said): one response class, or a choice of classes where the
 * answer depends on who asks (a staff view and a requester view), each in components/schemas.
 */
export function ApiAnswer(
  type: AnswerClass | readonly AnswerClass[],
  options: { status?: number; description?: string; headers?: Record<string, { description: string; schema: object }> } = {},
) {
  const types = Array.isArray(type) ? type : [type as AnswerClass];
  return applyDecorators(
    ApiExtraModels(...types),
    ApiResponse({
      status: options.status ?? 200,
      description: options.description ?? 'The answer',
      ...(options.headers ? { headers: options.headers } : {}),
      schema: types.length === 1 ? { $ref: getSchemaPath(types[0]) } : { anyOf: types.map((each) => ({ $ref: getSchemaPath(each) })) },
    }),
  );
}
