import { ArgumentMetadata, Injectable, PipeTransform, type Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { BadRequestProblem } from '@desk/http';

const PRIMITIVES: unknown[] = [String, Number, Boolean, Array, Object];

/** The body of routes that take none: nothing, or an empty object. */
export class NoBody {}

/**
 * A body class whose command the domain checks across fields too (either a priority or impact and urgency, a
 * customer's kind for its type…): its static `domainProblems` runs the domain's own check once every field is
 * well formed, so a body the API accepts is never refused by the decider as invalid input. Fields are named as
 * the body names them.
 */
export interface CheckedByDomain {
  domainProblems(body: object): Record<string, string>;
}

function domainProblemsOf(metatype: Type<unknown>, instance: object): Record<string, string> {
  const check = (metatype as Partial<CheckedByDomain>).domainProblems;
  return typeof check === 'function' ? check.call(metatype, instance) : {};
}

function flatten(errors: ValidationError[], prefix = ''): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const error of errors) {
    // Paths read as in the domain's own messages: targets[0].priority. An unknown field is a key even when it is all digits.
    const unknownField = error.constraints !== undefined && 'whitelistValidation' in error.constraints;
    const path =
      /^\d+$/.test(error.property) && !unknownField
        ? `${prefix}[${error.property}]`
        : prefix
          ? `${prefix}.${error.property}`
          : error.property;
    const isIndex = (property: string) => /^\d+$/.test(property);
    if (isIndex(error.property) && !unknownField && error.children?.some((child) => isIndex(child.property))) {
      // A list where an element (an object) was due: class-validator would walk into it.
      fields[path] = 'must be an object';
      continue;
    }
    if (error.constraints) {
      // One message a field, as the domain gives: the first rule broken is the most basic one (not a list before too long).
      const [rule, message] = Object.entries(error.constraints)[0];
      fields[path] =
        rule === 'whitelistValidation' ? `${path} is not a known field` : rule === 'nestedValidation' ? 'must be an object' : message;
      // A field that is wrong as a whole (targets that are no list) is not also wrong in its parts.
      continue;
    }
    if (error.children?.length) Object.assign(fields, flatten(error.children, path));
  }
  return fields;
}

/**
 * Keys that name a member of every object (constructor, toString, hasOwnProperty…), at any depth: class-transformer
 * passes over them without a word, so whitelisting never sees them; they are unknown fields like any other.
 */
function objectMemberKeys(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => objectMemberKeys(item, `${prefix}[${index}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.keys(value).flatMap((key) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return key in Object.prototype ? [path] : objectMemberKeys((value as Record<string, unknown>)[key], path);
  });
}

/**
 * Implicit conversion would read a numeric query parameter with Number(), which takes ' 5', '1e1' and '0x10':
 * only decimal digits (a sign, a fraction) are numbers here; the others are named and not converted at all.
 */
function undecimalNumbers(metatype: Type<unknown>, query: Record<string, unknown>): Record<string, string> {
  const refused: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (Reflect.getMetadata('design:type', metatype.prototype, key) !== Number) continue;
    if (typeof value !== 'string' || !/^-?\d+(\.\d+)?$/.test(value)) refused[key] = `${key} must be a number written in decimal digits`;
  }
  return refused;
}

/**
 * Validates bodies and query strings against their DTO classes: unknown
 * fields refused, no type coercion of bodies, every offending field named.
 */
@Injectable()
export class DtoValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const { metatype, type } = metadata;
    if ((type !== 'body' && type !== 'query') || !metatype || PRIMITIVES.includes(metatype)) return value;
    const plain = value === undefined || value === null ? {} : value;
    if (typeof plain !== 'object' || Array.isArray(plain)) {
      throw new BadRequestProblem(`the ${type === 'body' ? 'body' : 'query string'} must be a JSON object`);
    }
    if (metatype === NoBody) {
      const unexpected = Object.keys(plain);
      if (unexpected.length > 0) {
        throw new BadRequestProblem(
          `this route takes no body, but got: ${unexpected.join(', ')}`,
          Object.fromEntries(unexpected.map((field) => [field, `${field} is not a known field`])),
        );
      }
      return plain;
    }
    const refusedNumbers = type === 'query' ? undecimalNumbers(metatype, plain as Record<string, unknown>) : {};
    const source = Object.fromEntries(Object.entries(plain).filter(([key]) => !(key in refusedNumbers)));
    const instance = plainToInstance(metatype, source, { enableImplicitConversion: type === 'query' }) as object;
    const errors = validateSync(instance, {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      validationError: { target: false, value: false },
    });
    const memberKeys = objectMemberKeys(plain);
    const wellFormed = errors.length === 0 && memberKeys.length === 0 && Object.keys(refusedNumbers).length === 0;
    const domainProblems = wellFormed ? domainProblemsOf(metatype, instance) : {};
    if (!wellFormed || Object.keys(domainProblems).length > 0) {
      const fields = {
        ...refusedNumbers,
        ...flatten(errors),
        ...Object.fromEntries(memberKeys.map((path) => [path, `${path} is not a known field`])),
        ...domainProblems,
      };
      throw new BadRequestProblem(`invalid ${type === 'body' ? 'body' : 'query string'}: ${Object.keys(fields).join(', ')}`, fields);
    }
    return instance;
  }
}
