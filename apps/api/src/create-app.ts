import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DeskMetrics } from '@desk/application';
import { AppModule, type AppDependencies } from './app.module';
import { CORRELATION_PATTERN } from './http/command-envelope.decorator';
import { parseJsonBody } from './http/json-body';
import { sendProblem } from './http/problem-details';

/**
 * Builds the HTTP application around its dependencies; main.ts gives it the
 * configured stores, tests give it temporary ones and a fixed clock.
 */
export async function createApp(dependencies: AppDependencies): Promise<NestFastifyApplication> {
  const routingLogger = new Logger('http');
  const adapter = new FastifyAdapter({
    bodyLimit: dependencies.config.bodyLimitBytes,
    trustProxy: true,
    routerOptions: { maxParamLength: 2048 },
    // A URL the router cannot even read (bad percent-encoding, a path parameter over maxParamLength) is a problem document too.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => sendProblem(reply, request, error, routingLogger),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(dependencies), adapter, {
    // JSON lines when given a log; silent otherwise (tests).
    logger: dependencies.log ?? false,
    // JSON only: fastify's own JSON parser stays; forms and plain text are answered with 415.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser(['text/plain', 'application/json']);
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  const { config } = dependencies;
  const metrics = app.get(DeskMetrics);
  const log = dependencies.log;
  const correlationIds = new WeakMap<FastifyRequest, string>();
  fastify.addHook('onRequest', async (request, reply) => {
    // Every request has a correlation id: the client's when valid, a new one otherwise. Commands record it in their events.
    const given = request.headers['x-correlation-id'];
    const valid = typeof given === 'string' && CORRELATION_PATTERN.test(given);
    const id = valid ? given : randomUUID();
    if (given === undefined) request.headers['x-correlation-id'] = id;
    correlationIds.set(request, id);
    void reply.header('x-correlation-id', id);
  });
  // Answers sent while the server closes end their connection: a kept-alive connection that goes idle after the
  // close began would hold the close until its keep-alive timeout (72 s).
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (closing) void reply.header('connection', 'close');
    return payload;
  });
  fastify.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: ids would make a series per request.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpSeconds.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    if (!log) return;
    const status = reply.statusCode;
    const level = status === 503 ? 'warn' : status >= 500 ? 'error' : request.method !== 'GET' || status >= 400 ? 'info' : 'debug';
    if (!log.enabled(level)) return;
    log[level]('request', {
      method: request.method,
      route,
      url: request.url,
      status,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      correlationId: correlationIds.get(request),
      actor: (request as FastifyRequest & { actor?: { id: string } }).actor?.id,
    });
  });

  await app.register(helmet as never, {
    // The /docs UI loads its own scripts and styles; nothing else is HTML.
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:'], styleSrc: ["'self'", "'unsafe-inline'"] } },
    crossOriginEmbedderPolicy: false,
  });
  if (config.corsOrigins.length > 0) {
    await app.register(cors as never, {
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'X-Correlation-Id', 'X-Min-Position'],
      exposedHeaders: ['ETag', 'Location', 'X-Correlation-Id', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining'],
      maxAge: 600,
    });
  }
  if (config.rateLimitPerMinute > 0) {
    await app.register(rateLimit as never, {
      max: config.rateLimitPerMinute,
      timeWindow: 60_000,
      // Per token (hashed, never kept as is); per address for requests without one. Probes are never limited.
      keyGenerator: (request: FastifyRequest) => {
        const header = request.headers.authorization;
        return header ? `token:${createHash('sha256').update(header).digest('base64url')}` : `address:${request.ip}`;
      },
      allowList: (request: FastifyRequest) => request.url.startsWith('/health/') || request.url === '/metrics',
      errorResponseBuilder: (_request: FastifyRequest, context: { after: string; max: number }) => ({
        statusCode: 429,
        message: `more than ${context.max} requests a minute with this token; retry in ${context.after}`,
      }),
    });
  }

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Service desk')
      .setDescription(
        'Event-sourced service desk for internal and external customers, with the impact chain between them. ' +
          'Commands answer with the resource id, its stream revision and the global log position. ' +
          'Errors are application/problem+json (RFC 9457).',
      )
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  // After the shutdown hooks, exit 0: re-raising the signal (Nest's default) would look to a supervisor like a kill before cleanup.
  app.enableShutdownHooks([], { useProcessExit: true });
  await app.init();
  await fastify.ready();
  return app;
}
