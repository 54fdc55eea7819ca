import { ApiProperty } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandResult } from '@desk/application';

/** 64-bit revisions and positions travel as decimal strings: JSON numbers cannot hold them all. */
export class CommandAnswer {
  @ApiProperty({ example: 'req-42' })
  id: string;

  @ApiProperty({ example: '3', description: 'Revision of the resource stream after the command; send it back as If-Match' })
  revision: string;

  @ApiProperty({ example: '1207', description: 'Global log position of the last event; queries can wait for it' })
  position: string;
}

export function answer(reply: FastifyReply, result: CommandResult): CommandAnswer {
  void reply.header('etag', `"${result.revision}"`);
  return { id: result.id, revision: String(result.revision), position: String(result.position) };
}
