import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { Gauge } from 'prom-client';
import type { FastifyRequest } from 'fastify';
import { DeskMetrics } from '@desk/application';
import { Authenticator, createHttpApplication } from '@desk/http';
import { AppModule, type AppDependencies } from './app.module';
import { parseJsonBody } from './http/json-body';
import { openApiDocument } from './http/openapi-document';

/**
 * Builds the HTTP application around its dependencies; main.ts gives it the
 * configured stores, tests give it temporary ones and a fixed clock.
 */
export async function createApp(dependencies: AppDependencies): Promise<NestFastifyApplication> {
  const { config } = dependencies;
  const app = await createHttpApplication(AppModule.register(dependencies), {
    bodyLimitBytes: config.bodyLimitBytes,
    limits: config,
    trustProxy: config.trustProxy,
    log: dependencies.log,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // The API's own JSON parser (nesting depth, prototype keys); plain text is answered with 415.
  fastify.removeContentTypeParser(['text/plain', 'application/json']);
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string, _request.headers['content-type']));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  if (config.corsOrigins.length > 0) {
    await app.register(cors as never, {
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      // Last-Event-ID: an EventSource resuming GET /changes; Cache-Control: the one EventSource polyfills also send.
      allowedHeaders: [
        'Authorization',
        'Content-Type',
        'Idempotency-Key',
        'If-Match',
        'Request-Timeout-Ms',
        'X-Correlation-Id',
        'X-Min-Position',
        'Last-Event-ID',
        'Cache-Control',
      ],
      exposedHeaders: ['ETag', 'Location', 'X-Correlation-Id', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining'],
      maxAge: 600,
    });
  }
  const authenticator = app.get(Authenticator);
  new Gauge({
    name: 'desk_http_rate_limit_per_minute',
    help: 'Requests a minute per token subject, or per address without a valid token (RATE_LIMIT_PER_MINUTE; 0: no limit)',
    registers: [app.get(DeskMetrics).registry],
  }).set(config.rateLimitPerMinute);
  if (config.rateLimitPerMinute > 0) {
    await app.register(rateLimit as never, {
      max: config.rateLimitPerMinute,
      timeWindow: 60_000,
      // Per verified subject, whatever the spelling of its token (another token of one subject shares its bucket);
      // per address for anything unverified, so garbage tokens and failed authentications share their sender's bucket.
      // The address is the peer's unless TRUST_PROXY names it as a proxy. Probes are never limited.
      keyGenerator: (request: FastifyRequest) => {
        const actor = authenticator.actorOf(request);
        return actor ? `subject:${actor.id}` : `address:${request.ip}`;
      },
      allowList: (request: FastifyRequest) => request.url.startsWith('/health/') || request.url === '/metrics',
      errorResponseBuilder: (_request: FastifyRequest, context: { after: string; max: number }) => ({
        statusCode: 429,
        message: `more than ${context.max} requests a minute from this caller; retry in ${context.after}`,
      }),
    });
  }

  const document = openApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  // After the shutdown hooks, exit 0: re-raising the signal (Nest's default) would look to a supervisor like a kill before cleanup.
  app.enableShutdownHooks([], { useProcessExit: true });
  await app.init();
  await fastify.ready();
  return app;
}
