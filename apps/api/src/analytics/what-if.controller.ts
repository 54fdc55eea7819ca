import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ISO_TIME_PATTERN, parseIsoTime, type BusinessCalendar, type Priority, type Audience } from '@desk/domain';
import type { EventStore } from '@desk/event-store';
import type { ReadModelStore } from '@desk/read-models';
import { CLOCK, slaWhatIf, type Clock } from '@desk/application';
import { ApiProblems, BadRequestProblem, Roles } from '@desk/http';
import { ApiAnswer } from '../http/answer-fields';
import { WhatIfAnswerResponse } from './analytics.responses';
import { EVENT_STORE, READ_MODELS } from '../config/tokens';
import { PublishServiceStandardBody } from '../departments/department.dto';
import { IdField, PatternField } from '../http/fields';

export class SlaWhatIfBody extends PublishServiceStandardBody {
  @IdField({ description: 'The department whose standard measured the requests (their SLA department).' })
  departmentId!: string;

  @PatternField(ISO_TIME_PATTERN, 'must be an ISO 8601 time', { max: 40, description: 'Requests opened from this business time…' })
  from!: string;

  @PatternField(ISO_TIME_PATTERN, 'must be an ISO 8601 time', { max: 40, description: '…until this one (excluded).' })
  to!: string;
}

@ApiTags('analysts')
@ApiBearerAuth()
@Controller('analytics')
export class WhatIfController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('sla-what-if')
  @HttpCode(200)
  @Roles('analyst', 'manager')
  @ApiOperation({
    summary: 'SLA outcomes of a stretch of history under another service standard, beside the standard that was in force',
    description:
      'For the requests a department measured that were opened in [from, to): met, breached, pending and compliance, and the median ' +
      'business minutes to spare, per audience and target, under each request’s recorded standard and under the one given ' +
      '(validated like a published standard; nothing is published, no data changes).',
  })
  @ApiAnswer(WhatIfAnswerResponse)
  @ApiProblems(400, 401, 403, 404, 413, 415, 429, 503)
  async whatIf(@Body() body: SlaWhatIfBody) {
    const from = parseIsoTime(body.from);
    const to = parseIsoTime(body.to);
    if (!to && from) throw new BadRequestProblem('to must be a valid time after from', { to: 'is not a valid time' });
    if (!from || !to || from >= to) {
      throw new BadRequestProblem('from must be a time before to', { from: 'must be a valid time before to' });
    }
    return slaWhatIf(
      this.store,
      this.readModels,
      {
        departmentId: body.departmentId,
        from,
        to,
        targets: body.targets.map((target) => ({
          ...target,
          priority: target.priority as Priority,
          audience: target.audience as Audience,
        })),
        calendar: (body.calendar as BusinessCalendar | undefined) ?? null,
      },
      this.clock.now(),
    );
  }
}
