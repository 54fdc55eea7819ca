import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule, type AppDependencies } from './app.module';

/**
 * Builds the HTTP application around its dependencies; main.ts gives it the
 * configured stores, tests give it temporary ones and a fixed clock.
 */
export async function createApp(dependencies: AppDependencies, options: { logger?: false } = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: dependencies.config.bodyLimitBytes,
    trustProxy: true,
    routerOptions: { maxParamLength: 2048 },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(dependencies), adapter, {
    logger: options.logger === false ? false : undefined,
    // JSON only: fastify's own JSON parser stays; forms and plain text are answered with 415.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser(['text/plain']);

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
  app.enableShutdownHooks();
  await app.init();
  await fastify.ready();
  return app;
}
