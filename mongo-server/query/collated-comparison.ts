import { Context } from 'mingo';
import * as expressionOperators from 'mingo/operators/expression';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import { $gt, $gte, $lt, $lte } from 'mingo/operators/query/comparison';
import type { Options } from 'mingo/types';
import { resolve } from 'mingo/util';
import type { Collation } from '../storage/keys';
import { collatorFor } from './compare';

type QueryOperator = (selector: string, value: unknown, options: Options) => (document: unknown) => boolean;

const contexts = new Map<string, Context>();

/**
 * Returns a mingo context whose `$gt`, `$gte`, `$lt` and `$lte` compare strings with the `Intl.Collator`
 * that sorting uses under the same collation. Without it, range filters compare code units while
 * the sort follows the collation: `'a-b' < 'a_b'` in code units but not under ICU, so keyset pages
 * sorted under a collation would skip or repeat documents.
 * The other operators are mingo's defaults. mingo keeps the first registration of an operator, so
 * the context is built from scratch rather than added to mingo's preloaded one.
 */
export function collatedComparisonContext(collation: Collation): Context {
  const strength = collation.strength ?? 3;
  const cacheKey = `${collation.locale}/${strength}/${String(collation.numericOrdering)}/${String(collation.caseFirst)}`;
  let context = contexts.get(cacheKey);
  if (context) return context;

  // The collator the sort uses, so range filters and sort order agree. Callers pass only folding
  // collations, for which collatorFor always returns one.
  const collator = collatorFor(collation) ?? new Intl.Collator(collation.locale);
  const collated = (fallback: unknown, accepts: (order: number) => boolean): QueryOperator => (selector, value, options) => {
    if (typeof value !== 'string') return (fallback as QueryOperator)(selector, value, options);
    return (document) => {
      const found = resolve(document as Parameters<typeof resolve>[0], selector, { unwrapArray: true });
      const candidates = Array.isArray(found) ? found : [found];
      return candidates.some((candidate) => typeof candidate === 'string' && accepts(collator.compare(candidate, value)));
    };
  };

  context = Context.init({
    query: {
      ...(queryOperators as unknown as Record<string, QueryOperator>),
      $gt: collated($gt, (order) => order > 0),
      $gte: collated($gte, (order) => order >= 0),
      $lt: collated($lt, (order) => order < 0),
      $lte: collated($lte, (order) => order <= 0),
    },
    expression: expressionOperators as never,
    projection: projectionOperators as never,
  } as never);
  contexts.set(cacheKey, context);
  return context;
}
