import { TAG_FORMAT, TAG_LIMITS, TAG_PATTERN } from '@desk/domain';
import { PatternField } from '../http/fields';

/** POST /requests/{id}/tags: the tag, as the decider checks it (a lower-case slug, at most 40 characters). */
export class TagBody {
  @PatternField(TAG_PATTERN, TAG_FORMAT, { max: TAG_LIMITS.maxLength, example: 'vpn' })
  tag: string;
}
