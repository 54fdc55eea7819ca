import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { MetricsScrape } from '@desk/application';
import { Public } from '../auth/roles.decorator';
import { ApiProblems } from '../openapi';
import { UnauthorizedProblem } from '../problems';

@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(MetricsScrape) private readonly metrics: MetricsScrape) {}

  @Get()
  // Not a desk token: Prometheus sends one fixed bearer token (METRICS_TOKEN), checked here when it is configured.
  @Public()
  @ApiOperation({
    summary: 'Prometheus metrics',
    security: [],
    description:
      'Commands by type and outcome with latency, event-store append latency, projection checkpoint, lag, rate, state and restarts, ' +
      'HTTP requests by route and status, and the process (memory, CPU, event-loop lag). With METRICS_TOKEN set, a scrape must send ' +
      '`Authorization: Bearer <METRICS_TOKEN>` (else 401); without it, keep the route inside your network. One rendering answers every ' +
      'scrape for METRICS_CACHE_MS (1 s).',
  })
  @ApiOkResponse({
    description: 'The Prometheus text exposition format',
    content: { 'text/plain': { schema: { type: 'string', example: 'desk_commands_total{type="OpenRequest",outcome="ok"} 12' } } },
  })
  @ApiProblems(401)
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (!this.metrics.admits(authorization)) {
      void reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new UnauthorizedProblem('the metrics are read with the bearer token METRICS_TOKEN names');
    }
    void reply.header('content-type', this.metrics.contentType);
    return this.metrics.text();
  }
}
