import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AppConfig } from '@desk/application';

/** How long a request may take to arrive and how many connections may be open: AppConfig's fields of the same names. */
export type HttpLimits = Pick<
  AppConfig,
  'requestTimeoutMs' | 'headersTimeoutMs' | 'connectionTimeoutMs' | 'maxConnections' | 'bodyLimitBytes'
>;

/** The fastify options that carry the limits: Node's server takes its timeouts and its checking interval when it is made. */
export function limitedServerOptions(limits: HttpLimits): { requestTimeout: number; connectionTimeout: number; http: ServerOptions } {
  return {
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node looks for requests past their time only this often (every 30 s by default, which let slow headers live
      // 90 s): a quarter of the shorter limit, at most a second, keeps each limit within a quarter of itself.
      connectionsCheckingInterval: Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)),
    },
  };
}

type ClientErrorReason = 'timeout' | 'headers_too_large' | 'malformed' | 'expectation_failed';

interface RawRefusal {
  status: number;
  title: string;
  detail: string;
  reason: ClientErrorReason;
}

/**
 * What the HTTP parser refuses before fastify sees a request: Node names the fault by its code; whatever else it
 * cannot parse is malformed HTTP.
 */
function refusalOf(code: string | undefined, limits: HttpLimits): RawRefusal {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        title: 'Request timeout',
        detail: `the request did not arrive within ${limits.requestTimeoutMs} ms (its headers within ${limits.headersTimeoutMs} ms)`,
        reason: 'timeout',
      };
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        title: 'Request headers too large',
        detail: 'the request headers are larger than the server accepts',
        reason: 'headers_too_large',
      };
    default:
      return { status: 400, title: 'Malformed request', detail: 'the request is not well-formed HTTP/1.1', reason: 'malformed' };
  }
}

const slug = (title: string) => title.toLowerCase().replace(/[^a-z0-9]+/g, '-');

function problemBody(refusal: Omit<RawRefusal, 'reason'>, correlationId: string): string {
  return JSON.stringify({
    type: `/problems/${slug(refusal.title)}`,
    title: refusal.title,
    status: refusal.status,
    detail: refusal.detail,
    correlationId,
  });
}

/**
 * The connections of one server held to its limits: at most maxConnections open (Node closes the others on
 * arrival), problem documents for what the HTTP parser refuses (a request past its time, headers too large,
 * malformed HTTP, an expectation the server does not meet), and the limits and what they caught in /metrics.
 */
export class HttpConnections {
  private readonly openConnections: Gauge = new Gauge({
    name: 'desk_http_open_connections',
    help: 'HTTP connections open now',
    registers: [],
    collect: () => this.openConnections.set(this.open),
  });
  private readonly dropped = new Counter({
    name: 'desk_http_connections_dropped_total',
    help: 'Connections closed on arrival because desk_http_max_connections were open',
    registers: [],
  });
  private readonly clientErrors = new Counter({
    name: 'desk_http_client_errors_total',
    help: 'Requests refused by the HTTP layer before routing: timeout (408), headers_too_large (431), malformed (400), expectation_failed (417)',
    labelNames: ['reason'],
    registers: [],
  });
  private open = 0;

  constructor(private readonly limits: HttpLimits) {}

  /** For fastify's clientErrorHandler: a problem document on the socket when nothing was answered on it yet, then the socket closed. */
  readonly clientError = (error: Error & { code?: string }, socket: Socket): void => {
    // A reset connection is already gone; nobody is there to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const refusal = refusalOf(error.code, this.limits);
    this.clientErrors.inc({ reason: refusal.reason });
    // An answer already under way on this socket cannot be followed by another one: the socket is only closed.
    const answering = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (socket.writable && !answering?.headersSent) {
      const correlationId = randomUUID();
      const body = problemBody(refusal, correlationId);
      socket.write(
        `HTTP/1.1 ${refusal.status} ${refusal.title}\r\n` +
          'Content-Type: application/problem+json; charset=utf-8\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          `X-Correlation-Id: ${correlationId}\r\n` +
          'Connection: close\r\n\r\n' +
          body,
      );
    }
    socket.destroy(error);
  };

  attach(server: Server): void {
    server.maxConnections = this.limits.maxConnections;
    server.on('connection', (socket: Socket) => {
      this.open++;
      socket.once('close', () => this.open--);
    });
    server.on('drop', () => this.dropped.inc());
    // Without a listener Node answers an Expect other than 100-continue with a bare 417.
    server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
      this.clientErrors.inc({ reason: 'expectation_failed' });
      const correlationId = randomUUID();
      const body = problemBody(
        {
          status: 417,
          title: 'Expectation failed',
          detail: `the server meets no expectation but 100-continue, got '${String(request.headers.expect).slice(0, 100)}'`,
        },
        correlationId,
      );
      response.writeHead(417, {
        'content-type': 'application/problem+json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'x-correlation-id': correlationId,
        connection: 'close',
      });
      response.end(body);
    });
  }

  /** The limits as gauges beside what they caught, in the process's registry. */
  register(registry: Registry): void {
    for (const metric of [this.openConnections, this.dropped, this.clientErrors]) registry.registerMetric(metric);
    const limit = (name: string, help: string, value: number) => new Gauge({ name, help, registers: [registry] }).set(value);
    limit(
      'desk_http_request_timeout_seconds',
      'Longest a request may take to arrive, headers and body (REQUEST_TIMEOUT_MS)',
      this.limits.requestTimeoutMs / 1000,
    );
    limit(
      'desk_http_headers_timeout_seconds',
      'Longest the headers of a request may take to arrive (HEADERS_TIMEOUT_MS)',
      this.limits.headersTimeoutMs / 1000,
    );
    limit(
      'desk_http_connection_timeout_seconds',
      'Longest a connection may stay silent (CONNECTION_TIMEOUT_MS)',
      this.limits.connectionTimeoutMs / 1000,
    );
    limit('desk_http_max_connections', 'Most connections open at once (MAX_CONNECTIONS)', this.limits.maxConnections);
    limit('desk_http_body_limit_bytes', 'Largest request body accepted (BODY_LIMIT_BYTES)', this.limits.bodyLimitBytes);
  }
}
