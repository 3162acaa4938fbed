import { BSON, type Document } from 'bson';
import { Aggregator } from 'mingo';
import { commandError } from '../errors';
import { matchStored, sortDocuments } from '../query/find';
import { mingoOptions, translateMingoError } from '../query/matcher';
import { isPlainObject, toMingoCollation, type Collation } from '../storage/keys';
import { optionalNonNegative, readCollation, requireArray, type CommandContext, type CommandHandler } from './context';

/** Stages mongod has that this server rejects rather than run wrongly. */
const unsupportedStages = new Set(['$out', '$merge', '$changeStream', '$currentOp', '$listSessions', '$collStats', '$indexStats', '$planCacheStats', '$search']);

/**
 * aggregate: runs the pipeline with mingo over fresh copies of the documents, since mingo may change
 * its input. A leading `$match` (and a `$sort` right after it) runs here first so it can use indexes
 * and honour the request's collation.
 */
const aggregate: CommandHandler = (command, context) => {
  const target = command.aggregate;
  const pipeline = requireArray(command, 'pipeline', 'aggregate') as Document[];
  if (command.explain === true) throw commandError('NotImplemented', 'explain is not supported by this server');
  if (!isPlainObject(command.cursor)) {
    throw commandError('FailedToParse', "The 'cursor' option is required, except for aggregate with the explain argument");
  }
  const batchSize = optionalNonNegative(command.cursor, 'batchSize', 'aggregate.cursor');
  const collation = readCollation(command.collation);

  for (const stage of pipeline) {
    const keys = isPlainObject(stage) ? Object.keys(stage) : [];
    if (keys.length !== 1) throw commandError('Location40323', 'A pipeline stage specification object must contain exactly one field.');
    if (unsupportedStages.has(keys[0]!)) throw commandError('NotImplemented', `${keys[0]} is not supported by this server`);
    if (keys[0] === '$where' || JSON.stringify(stage).includes('"$function"') || JSON.stringify(stage).includes('"$accumulator"')) {
      throw commandError('NotImplemented', 'server-side JavaScript is disabled on this server');
    }
  }

  let input: Document[];
  let stages = pipeline;
  let namespace: string;
  if (target === 1) {
    // Database-level aggregate: only pipelines that start from $documents have input here.
    input = [];
    namespace = `${context.db}.$cmd.aggregate`;
  } else if (typeof target === 'string' && target.length > 0) {
    namespace = `${context.db}.${target}`;
    ({ input, stages } = prepareInput(context, target, pipeline, collation));
  } else {
    throw commandError('InvalidNamespace', `Invalid collection name for aggregate: ${String(target)}`);
  }

  const resolved = new Map<string, Document[]>();
  const resolveCollection = (name: string): Document[] => {
    let documents = resolved.get(name);
    if (!documents) {
      documents = freshCopies(context, name);
      resolved.set(name, documents);
    }
    return documents;
  };
  let results: Document[];
  try {
    results = new Aggregator(rewriteCount(stages), {
      ...mingoOptions,
      collation: toMingoCollation(collation),
      collectionResolver: resolveCollection,
    }).run(input) as Document[];
  } catch (error) {
    throw translateMingoError(error);
  }
  return context.cursors.open(namespace, results, batchSize);
};

function prepareInput(
  context: CommandContext,
  name: string,
  pipeline: Document[],
  collation: Collation | undefined,
): { input: Document[]; stages: Document[] } {
  const collection = context.catalog.getCollection(context.db, name);
  let stages = pipeline;
  let filter: Document | undefined;
  if (stages[0]?.$match !== undefined && isPlainObject(stages[0].$match)) {
    filter = stages[0].$match;
    stages = stages.slice(1);
  }
  let input = matchStored(collection, filter, collation).map((stored) => BSON.deserialize(stored.bson));
  if (stages[0]?.$sort !== undefined && isPlainObject(stages[0].$sort)) {
    input = sortDocuments(input, stages[0].$sort, collation);
    stages = stages.slice(1);
  }
  return { input, stages };
}

function freshCopies(context: CommandContext, name: string): Document[] {
  const collection = context.catalog.getCollection(context.db, name);
  if (!collection) return [];
  return [...collection.all()].map((stored) => BSON.deserialize(stored.bson));
}

/**
 * Replaces `$count: name` by the equivalent `$group` + `$project`, because mingo's `$count` yields
 * `{ name: 0 }` for empty input where mongod yields no document.
 */
function rewriteCount(stages: Document[]): Document[] {
  return stages.flatMap((stage) => {
    if (typeof stage.$count !== 'string') return [stage];
    const field = stage.$count;
    return [{ $group: { _id: null, [field]: { $sum: 1 } } }, { $project: { _id: 0 } }];
  });
}

export const aggregateCommands: Record<string, CommandHandler> = { aggregate };
