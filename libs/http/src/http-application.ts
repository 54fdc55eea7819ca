import { Logger, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from '@fastify/helmet';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DeskMetrics, HTTP_LIMIT_DEFAULTS, MetricsScrape, type AppConfig, type JsonLog } from '@desk/application';
import { AuthGuard, tokenPolicyProvider } from './auth/auth.guard';
import { Authenticator, type AuthenticatedRequest } from './auth/authenticator';
import { PUBLIC_ROUTE_CONFIG } from './auth/roles.decorator';
import { HttpConnections, limitedServerOptions, type HttpLimits } from './http-limits';
import { CORRELATION_PATTERN } from './correlation-id';
import { ProblemDetailsFilter, sendProblem } from './problem-details';

/**
 * What every desk process's module installs: the one token check (a bearer token, then the route's roles), the one
 * mapping of errors to problem documents, and the answer to /metrics (its token and cache).
 */
export function httpEdgeProviders(config: AppConfig): Provider[] {
  return [
    tokenPolicyProvider(config),
    {
      provide: MetricsScrape,
      useFactory: (metrics: DeskMetrics) => new MetricsScrape(metrics.registry, config.metrics),
      inject: [DeskMetrics],
    },
    Authenticator,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
  ];
}

export interface HttpApplicationOptions {
  bodyLimitBytes: number;
  /** How long a request may take to arrive and how many connections may be open (AppConfig has them); the defaults when absent. */
  limits?: Omit<HttpLimits, 'bodyLimitBytes'>;
  /** The proxies whose X-Forwarded-For names the client (AppConfig.trustProxy); none when absent. */
  trustProxy?: string[];
  /** JSON lines for the framework and the requests; silent when absent (tests). */
  log?: JsonLog;
}

/**
 * A desk process's Nest application on fastify, as both the API and the
 * projector serve it: problem documents even for URLs the router cannot read
 * and for what the HTTP parser refuses, a bounded time for every request to
 * arrive and a cap on connections (shown in /metrics), a body without a valid
 * token refused before it is read, a correlation id on every answer, request
 * metrics and log lines, security headers (upgrade-insecure-requests only over
 * HTTPS), and a close that does not wait for
 * kept-alive connections. The
 * module must provide DeskMetrics. The caller adds what is its own, then
 * initialises it.
 */
export async function createHttpApplication(module: DynamicModule, options: HttpApplicationOptions): Promise<NestFastifyApplication> {
  const routingLogger = new Logger('http');
  const limits: HttpLimits = { ...HTTP_LIMIT_DEFAULTS, ...options.limits, bodyLimitBytes: options.bodyLimitBytes };
  const connections = new HttpConnections(limits);
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimitBytes,
    ...limitedServerOptions(limits),
    clientErrorHandler: connections.clientError,
    // Only a configured proxy may say which address a request comes from: anyone else would choose their rate-limit bucket.
    trustProxy: options.trustProxy && options.trustProxy.length > 0 ? options.trustProxy : false,
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
  connections.attach(fastify.server);
  connections.register(metrics.registry);
  const authenticator = app.get(Authenticator);
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
  // A request with a body and no valid token is refused before its body is read, so nobody unauthenticated can
  // hold a connection by sending it slowly. preParsing runs after every onRequest hook, the rate limiter's among
  // them, so the refusal still counts in the bucket of its address. Requests without a body are refused by the
  // guard (the same Authenticator), which also covers the routes fastify serves for Nest's plugins (/docs).
  fastify.addHook('preParsing', async (request, reply, payload) => {
    if (request.is404 || isPublicRoute(request) || !carriesBody(request)) return payload;
    try {
      authenticator.require(request as AuthenticatedRequest);
    } catch (refusal) {
      // The unread body would otherwise be read to find the next request on the connection.
      void reply.header('connection', 'close');
      sendProblem(reply, request, refusal, routingLogger);
      return reply;
    }
    return payload;
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

  await app.register(helmet as never, { ...SECURITY_HEADERS, global: false });
  fastify.addHook('onRequest', async (request, reply) => {
    // Over plain HTTP the policy must not ask the browser to upgrade: on http://<any host>/docs it would fetch the
    // UI's assets over https, which nobody serves, and show a blank page. The request is HTTPS when its socket is
    // TLS or a proxy of TRUST_PROXY says so in X-Forwarded-Proto (fastify's request.protocol believes no one else).
    reply.helmet(request.protocol === 'https' ? OVER_HTTPS : undefined);
  });
  return app;
}

/** The API's /docs UI loads its own scripts and styles; nothing else is HTML. */
const CSP_DIRECTIVES = { defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:'], styleSrc: ["'self'", "'unsafe-inline'"] };

/** Security headers of every answer served over plain HTTP: helmet's defaults but upgrade-insecure-requests. */
const SECURITY_HEADERS = {
  contentSecurityPolicy: { directives: { ...CSP_DIRECTIVES, upgradeInsecureRequests: null } },
  crossOriginEmbedderPolicy: false,
};

/** Over HTTPS the policy also upgrades what a page would load over http. */
const OVER_HTTPS = { contentSecurityPolicy: { directives: { ...CSP_DIRECTIVES, upgradeInsecureRequests: [] } } };

function carriesBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Marked by @Public() on its Nest handler. */
function isPublicRoute(request: FastifyRequest): boolean {
  const config: object | undefined = request.routeOptions.config;
  return (config as Record<string, unknown> | undefined)?.[PUBLIC_ROUTE_CONFIG] === true;
}
