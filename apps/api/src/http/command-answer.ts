import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandResult } from '@desk/application';
import type { AgentCommand, CustomerCommand, DepartmentCommand, ImpactCommand, RequestCommand } from '@desk/domain';
import { ApiCommandHeaders, ApiProblems, COMMAND_PROBLEMS, CommandRoute, ETAG_HEADER, type ProblemStatus } from '@desk/http';

/** The commands the HTTP routes send. */
export type HttpCommandType = (AgentCommand | CustomerCommand | DepartmentCommand | ImpactCommand | RequestCommand)['type'];

/** 64-bit revisions and positions travel as decimal strings: JSON numbers cannot hold them all. */
export class CommandAnswer {
  @ApiProperty({ example: 'req-42' })
  id: string;

  @ApiProperty({
    example: '3',
    pattern: '^\\d{1,20}$',
    description: 'Revision of the resource stream after the command; send it back as If-Match',
  })
  revision: string;

  @ApiProperty({ example: '1207', pattern: '^\\d{1,20}$', description: 'Global log position of the last event; queries can wait for it' })
  position: string;
}

export function answer(reply: FastifyReply, result: CommandResult): CommandAnswer {
  void reply.header('etag', `"${result.revision}"`);
  return { id: result.id, revision: String(result.revision), position: String(result.position) };
}

/**
 * Documents a command route: its answer (CommandAnswer, with the ETag every
 * answer() sets, and the Location of what a create made), the headers it
 * takes (Idempotency-Key, If-Match, X-Correlation-Id) and the problems it can answer.
 */
export function ApiCommand(
  command: HttpCommandType,
  options: { status?: 200 | 201; location?: string; description?: string; problems?: readonly ProblemStatus[] } = {},
) {
  const status = options.status ?? 200;
  return applyDecorators(
    CommandRoute(command),
    ApiResponse({
      status,
      type: CommandAnswer,
      description: options.description ?? (status === 201 ? 'Recorded: the resource was created' : 'Recorded'),
      // Every command answer carries its ETag (answer() sets it), a create its Location: required, so the specs' validator insists.
      headers: {
        ETag: { ...ETAG_HEADER.ETag, required: true },
        ...(options.location
          ? { Location: { description: `Where to read what was created: ${options.location}`, required: true, schema: { type: 'string' } } }
          : {}),
      },
    }),
    ApiCommandHeaders(),
    ApiProblems(...(options.problems ?? COMMAND_PROBLEMS)),
  );
}
