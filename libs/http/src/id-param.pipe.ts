import { Injectable, PipeTransform } from '@nestjs/common';
import { ID_PATTERN } from '@desk/domain';
import { NotFoundProblem } from './problems';

/** An id in a path that could never have been created names nothing: 404, not a stream lookup. */
@Injectable()
export class IdParam implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !ID_PATTERN.test(value))
      throw new NotFoundProblem(`no resource with id '${String(value).slice(0, 140)}'`);
    return value;
  }
}
