import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DeskMetrics } from '@desk/application';
import { Public } from '../auth/roles.decorator';

@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(DeskMetrics) private readonly metrics: DeskMetrics) {}

  @Get()
  @Public()
  @ApiOperation({
    summary: 'Prometheus metrics',
    security: [],
    description:
      'Commands by type and outcome with latency, event-store append latency, projection checkpoint, lag, rate, state and restarts, ' +
      'HTTP requests by route and status, and the process (memory, CPU, event-loop lag). Keep it inside your network.',
  })
  @ApiOkResponse({
    description: 'The Prometheus text exposition format',
    content: { 'text/plain': { schema: { type: 'string', example: 'desk_commands_total{type="OpenRequest",outcome="ok"} 12' } } },
  })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
