import { Logger, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from '@fastify/helmet';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DeskMetrics, type AppConfig, type JsonLog } from '@desk/application';
import { AuthGuard, tokenPolicyProvider } from './auth/auth.guard';
import { CORRELATION_PATTERN } from './correlation-id';
import { ProblemDetailsFilter, sendProblem } from './problem-details';

/** What every desk process's module installs: the one token check (a bearer token, then the route's roles) and the one mapping of errors to problem documents. */
export function httpEdgeProviders(config: AppConfig): Provider[] {
  return [
    tokenPolicyProvider(config),
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
  ];
}

export interface HttpApplicationOptions {
  bodyLimitBytes: number;
  /** JSON lines for the framework and the requests; silent when absent (tests). */
  log?: JsonLog;
}

/**
 * A desk process's Nest application on fastify, as both the API and the
 * projector serve it: problem documents even for URLs the router cannot read,
 * a correlation id on every answer, request metrics and log lines, security
 * headers, and a close that does not wait for kept-alive connections. The
 * module must provide DeskMetrics. The caller adds what is its own, then
 * initialises it.
 */
export async function createHttpApplication(module: DynamicModule, options: HttpApplicationOptions): Promise<NestFastifyApplication> {
  const routingLogger = new Logger('http');
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimitBytes,
    trustProxy: true,
    routerOptions: { maxParamLength: 2048 },
    // A URL the router cannot even read (bad percent-encoding, a path parameter over maxParamLength) is a problem document too.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => sendProblem(reply, request, error, routingLogger),
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    logger: options.log ?? false,
    // Nest's parsers stay off: fastify's JSON and plain-text parsers are all there is (the API replaces both), forms are 415s.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(DeskMetrics);
  const log = options.log;
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
    // The API's /docs UI loads its own scripts and styles; nothing else is HTML.
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:'], styleSrc: ["'self'", "'unsafe-inline'"] } },
    crossOriginEmbedderPolicy: false,
  });
  return app;
}
