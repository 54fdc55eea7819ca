import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { EventStore } from '@desk/event-store';
import { Public } from '../auth/roles.decorator';
import { EVENT_STORE } from '../config/tokens';
import { ProblemError } from '@desk/application';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get('live')
  @Public()
  @ApiOperation({ summary: 'The process is up' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @ApiOperation({ summary: 'The process can serve: its stores answer' })
  async ready() {
    try {
      await this.store.ping();
    } catch (error) {
      throw new ProblemError(503, 'Not ready', `the event store does not answer: ${(error as Error).message}`);
    }
    return { status: 'ok', checks: { eventStore: 'ok' } };
  }
}
