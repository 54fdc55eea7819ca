import { CommandRefusedError, ForbiddenError, InvalidCommandError, NotFoundError } from '../shared/errors';
import { TAG_LIMITS } from '../shared/validation';
import { agent, analyst, employee, manager, requestContext } from '../testing/fixtures';
import { historyTo, opened, R } from '../testing/request-history';
import { specification, stateAfter } from '../testing/specification';
import type { RequestCommand } from './request.commands';
import { requestDecider } from './request.decider';
import type { RequestEvent } from './request.events';

/**
 * Tags: staff's classification of a request, for filters and reports. A tag
 * is a lower-case slug of at most 40 characters; a request carries at most 20;
 * tagging twice, or untagging a tag it does not carry, changes nothing (no
 * event, so a retried click is harmless); allowed in every status.
 */
const request = specification(requestDecider);
const tag = (value: unknown): RequestCommand => ({ type: 'TagRequest', data: { tag: value as string } });
const untag = (value: unknown): RequestCommand => ({ type: 'UntagRequest', data: { tag: value as string } });
const tagged = (value: string, by = agent.id): RequestEvent => ({
  type: 'RequestTagged',
  data: { requestId: R, tag: value, taggedBy: by },
});
const untagged = (value: string, by = agent.id): RequestEvent => ({
  type: 'RequestUntagged',
  data: { requestId: R, tag: value, untaggedBy: by },
});

describe('tagging a request', () => {
  it('records the tag and who added it; the state lists tags in the order they were added', () => {
    request
      .given([opened])
      .when(tag('vpn'), requestContext(agent))
      .then([tagged('vpn')]);
    request
      .given([opened, tagged('vpn')])
      .when(tag('outage-0312'), requestContext(manager))
      .then([tagged('outage-0312', manager.id)]);
    expect(stateAfter(requestDecider, [opened, tagged('vpn'), tagged('laptop')])).toMatchObject({ tags: ['vpn', 'laptop'] });
  });

  it('changes nothing when the request already carries the tag', () => {
    request
      .given([opened, tagged('vpn')])
      .when(tag('vpn'), requestContext(agent))
      .then([]);
  });

  it('is allowed on closed and cancelled requests too', () => {
    request
      .given(historyTo('closed'))
      .when(tag('post-mortem'), requestContext(agent))
      .then([tagged('post-mortem')]);
    request
      .given(historyTo('cancelled'))
      .when(tag('duplicate'), requestContext(agent))
      .then([tagged('duplicate')]);
  });

  it.each([
    ['', 'empty'],
    ['VPN', 'upper case'],
    ['two words', 'a space'],
    ['-vpn', 'a leading hyphen'],
    ['vpn-', 'a trailing hyphen'],
    ['vpn--down', 'a double hyphen'],
    ['café', 'a letter outside a-z'],
    ['a'.repeat(TAG_LIMITS.maxLength + 1), 'too long'],
    [42, 'not a string'],
  ] as [unknown, string][])('refuses %j (%s), naming the field', (value) => {
    const error = request
      .given([opened])
      .when(tag(value), requestContext(agent))
      .thenThrows(InvalidCommandError, 'invalid TagRequest: tag must be a lower-case slug of at most 40 characters');
    expect((error as InvalidCommandError).fields).toEqual({ tag: expect.stringContaining('lower-case slug') });
  });

  it('accepts a slug of exactly the longest length', () => {
    const longest = 'a'.repeat(TAG_LIMITS.maxLength);
    request
      .given([opened])
      .when(tag(longest), requestContext(agent))
      .then([tagged(longest)]);
  });

  it('refuses a tag beyond the most a request may carry, and says how to make room', () => {
    const full = Array.from({ length: TAG_LIMITS.perRequest }, (_, index) => tagged(`t${index}`));
    request
      .given([opened, ...full])
      .when(tag('one-more'), requestContext(agent))
      .thenThrows(
        CommandRefusedError,
        `cannot tag request ${R} with one-more: it already carries 20 tags, the most a request may; remove one first`,
      );
    // A tag it carries is still a no-op, not a refusal.
    request
      .given([opened, ...full])
      .when(tag('t3'), requestContext(agent))
      .then([]);
  });

  it('is for the people working requests: requesters and analysts are refused', () => {
    request.given([opened]).when(tag('vpn'), requestContext(employee)).thenThrows(ForbiddenError, 'a requester may not tag a request');
    request.given([opened]).when(tag('vpn'), requestContext(analyst)).thenThrows(ForbiddenError, 'an analyst may not tag a request');
  });

  it('is refused for a request that does not exist', () => {
    request.given([]).when(tag('vpn'), requestContext(agent)).thenThrows(NotFoundError, 'cannot tag a request that does not exist');
  });
});

describe('untagging a request', () => {
  it('records the tag taken off and who took it off', () => {
    request
      .given([opened, tagged('vpn'), tagged('laptop')])
      .when(untag('vpn'), requestContext(agent))
      .then([untagged('vpn')]);
    expect(stateAfter(requestDecider, [opened, tagged('vpn'), tagged('laptop'), untagged('vpn')])).toMatchObject({ tags: ['laptop'] });
  });

  it('changes nothing when the request does not carry the tag', () => {
    request.given([opened]).when(untag('vpn'), requestContext(agent)).then([]);
  });

  it('refuses what is not a tag, naming the field', () => {
    request
      .given([opened])
      .when(untag('Not A Tag'), requestContext(agent))
      .thenThrows(InvalidCommandError, 'invalid UntagRequest: tag must be');
  });

  it('is refused to requesters', () => {
    request
      .given([opened, tagged('vpn')])
      .when(untag('vpn'), requestContext(employee))
      .thenThrows(ForbiddenError, 'a requester may not untag a request');
  });
});
