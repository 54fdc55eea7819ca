import {
  OperationNodeTransformer,
  type IdentifierNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';

/**
 * Renames a projection's tables (and their indexes and constraints, whose
 * names start with the table's) to those of a copy: `request_summaries`
 * becomes `request_summaries__<token>`. The projection's own code then
 * builds a copy beside the live tables without knowing it.
 */
class CopyNames extends OperationNodeTransformer {
  constructor(
    private readonly tables: readonly string[],
    private readonly suffix: string,
  ) {
    super();
  }

  protected override transformIdentifier(node: IdentifierNode): IdentifierNode {
    const name = node.name;
    const owned = this.tables.some((table) => name === table || name.startsWith(`${table}_`));
    return owned ? { ...node, name: `${name}${this.suffix}` } : node;
  }
}

export class CopyTablesPlugin implements KyselyPlugin {
  private readonly transformer: CopyNames;

  constructor(tables: readonly string[], token: string) {
    this.transformer = new CopyNames(tables, copySuffix(token));
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.transformer.transformNode(args.node);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

export function copySuffix(token: string): string {
  return `__${token}`;
}

/** The checkpoint row of a copy under construction. */
export function copyCheckpointName(projection: string, token: string): string {
  return `${projection}#rebuild:${token}`;
}
