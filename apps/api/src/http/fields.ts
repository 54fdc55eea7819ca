import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ID_PATTERN } from '@desk/domain';

/**
 * Field decorators that declare validation and documentation together, so
 * the OpenAPI document can never disagree with what the API accepts.
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

export function IdField(options: Common = {}) {
  return applyDecorators(
    ...documented(options, { type: String, pattern: ID_PATTERN.source, maxLength: 128 }),
    IsString(),
    Matches(ID_PATTERN, { message: '$property must be 1–128 letters, digits, or . _ : - (starting with a letter or digit)' }),
  );
}

export function TextField(options: Common & { min?: number; max: number }) {
  const min = options.min ?? 1;
  return applyDecorators(
    ...documented(options, { type: String, minLength: min, maxLength: options.max }),
    IsString(),
    MinLength(min),
    MaxLength(options.max),
  );
}

export function EnumField(values: readonly string[], options: Common = {}) {
  return applyDecorators(
    ...documented(options, { enum: [...values], type: String }),
    IsIn([...values], { message: `$property must be one of ${values.join(', ')}` }),
  );
}

export function IntegerField(options: Common & { min: number; max: number }) {
  return applyDecorators(
    ...documented(options, { type: Number, minimum: options.min, maximum: options.max }),
    IsInt(),
    Min(options.min),
    Max(options.max),
  );
}

export function AmountField(options: Common & { max: number }) {
  return applyDecorators(
    ...documented(options, { type: Number, minimum: 0, maximum: options.max }),
    IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 }),
    Min(0),
    Max(options.max),
  );
}

export function BooleanField(options: Common = {}) {
  return applyDecorators(...documented(options, { type: Boolean }), IsBoolean());
}

export function PatternField(pattern: RegExp, message: string, options: Common & { max?: number } = {}) {
  return applyDecorators(
    ...documented(options, { type: String, pattern: pattern.source }),
    IsString(),
    MaxLength(options.max ?? 64),
    Matches(pattern, { message: `$property ${message}` }),
  );
}

export function NestedArrayField(of: () => new () => object, options: Common & { min: number; max: number }) {
  return applyDecorators(
    ...documented(options, { type: () => [of()], minItems: options.min, maxItems: options.max }),
    IsArray(),
    ArrayMinSize(options.min),
    ArrayMaxSize(options.max),
    ValidateNested({ each: true }),
    Type(of),
  );
}

export function NestedField(of: () => new () => object, options: Common = {}) {
  return applyDecorators(...documented(options, { type: of }), ValidateNested(), Type(of));
}

export function StringArrayField(pattern: RegExp, message: string, options: Common & { max: number }) {
  return applyDecorators(
    ...documented(options, { type: [String], maxItems: options.max }),
    IsArray(),
    ArrayMaxSize(options.max),
    IsString({ each: true }),
    Matches(pattern, { each: true, message: `each of $property ${message}` }),
  );
}
