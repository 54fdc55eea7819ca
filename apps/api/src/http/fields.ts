import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional, ValidateBy, ValidateNested } from 'class-validator';
import { FieldProblems, ID_PATTERN, type TextLimits } from '@desk/domain';

/**
 * Field decorators that declare validation and documentation together, so
 * the OpenAPI document can never disagree with what the API accepts. Each
 * field has one rule and so one message; where the domain checks the same
 * field, the rule is the domain's own check (FieldProblems), so the API
 * refuses what the decider would, in the decider's words.
 */

interface Common {
  optional?: boolean;
  description?: string;
  example?: unknown;
}

function documented(options: Common, schema: Record<string, unknown>) {
  const doc = { description: options.description, example: options.example, ...schema };
  return options.optional ? [IsOptional(), ApiPropertyOptional(doc)] : [ApiProperty(doc)];
}

type Check = (problems: FieldProblems, field: string, value: unknown) => void;

/** A field's one rule: the problem `check` finds in its value is its message. */
function Rule(name: string, check: Check) {
  const problem = (field: string, value: unknown): string | undefined => {
    const problems = new FieldProblems();
    check(problems, field, value);
    return problems.fields[field];
  };
  return ValidateBy({
    name,
    validator: {
      validate: (value, args) => problem(args!.property, value) === undefined,
      defaultMessage: (args) => problem(args!.property, args!.value) ?? 'is not valid',
    },
  });
}

export function IdField(options: Common = {}) {
  return applyDecorators(
    ...documented(options, { type: String, pattern: ID_PATTERN.source, maxLength: 128 }),
    Rule('id', (problems, field, value) => problems.id(field, value)),
  );
}

/** Free text within the domain's limits: `min` applies to the trimmed text, as the deciders count it. */
export function TextField(limits: TextLimits, options: Common = {}) {
  return applyDecorators(
    ...documented(options, { type: String, minLength: limits.min, maxLength: limits.max }),
    Rule('text', (problems, field, value) => problems.text(field, value, limits)),
  );
}

export function EnumField(values: readonly string[], options: Common = {}) {
  return applyDecorators(
    ...documented(options, { enum: [...values], type: String }),
    Rule('oneOf', (problems, field, value) => problems.oneOf(field, value, values)),
  );
}

export function IntegerField(options: Common & { min: number; max: number; of?: string }) {
  return applyDecorators(
    ...documented(options, { type: 'integer', minimum: options.min, maximum: options.max }),
    Rule('integer', (problems, field, value) => problems.integer(field, value, options, options.of)),
  );
}

export function AmountField(options: Common & { max: number; decimals: number }) {
  return applyDecorators(
    ...documented(options, { type: Number, minimum: 0, maximum: options.max, multipleOf: 10 ** -options.decimals }),
    Rule('amount', (problems, field, value) => problems.amount(field, value, options)),
  );
}

export function BooleanField(options: Common = {}) {
  return applyDecorators(
    ...documented(options, { type: Boolean }),
    Rule('boolean', (problems, field, value) => problems.boolean(field, value)),
  );
}

export function CurrencyField(options: Common = {}) {
  return applyDecorators(
    ...documented(options, { type: String, pattern: '^[A-Z]{3}$', maxLength: 3 }),
    Rule('currency', (problems, field, value) => problems.currency(field, value)),
  );
}

export function PatternField(pattern: RegExp, message: string, options: Common & { max?: number } = {}) {
  const max = options.max ?? 64;
  return applyDecorators(
    ...documented(options, { type: String, pattern: pattern.source, maxLength: max }),
    Rule('pattern', (problems, field, value) => {
      if (typeof value !== 'string') problems.add(field, 'must be a string');
      else if (value.length > max) problems.add(field, `must have at most ${max} characters`);
      else if (!pattern.test(value)) problems.add(field, message);
    }),
  );
}

const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

export function NestedArrayField(of: () => new () => object, options: Common & { min: number; max: number }) {
  return applyDecorators(
    ...documented(options, { type: () => [of()], minItems: options.min, maxItems: options.max }),
    Rule('list', (problems, field, value) => {
      if (!Array.isArray(value) || value.length < options.min || value.length > options.max)
        problems.add(field, `must list ${options.min} to ${options.max} items`);
    }),
    ValidateNested({ each: true }),
    Type(of),
  );
}

export function NestedField(of: () => new () => object, options: Common = {}) {
  return applyDecorators(
    // A thunk named `type`, as Nest recognises a lazy type: `type: of` was documented as a $ref to nothing.
    ...documented(options, { type: () => of() }),
    Rule('object', (problems, field, value) => {
      if (!isObject(value)) problems.add(field, 'must be an object');
    }),
    ValidateNested(),
    Type(of),
  );
}

export function StringArrayField(pattern: RegExp, message: string, options: Common & { max: number }) {
  return applyDecorators(
    ...documented(options, { type: [String], maxItems: options.max }),
    Rule('strings', (problems, field, value) => {
      if (!Array.isArray(value) || value.length > options.max) problems.add(field, `must list at most ${options.max} items`);
      else if (!value.every((item) => typeof item === 'string' && pattern.test(item))) problems.add(field, `each item ${message}`);
    }),
  );
}
