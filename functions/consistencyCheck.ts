import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logReport, runConsistencyCheck, type ConsistencyReport } from '../lib/consistency';
import { describeError, logger } from '../lib/logger';
import { loadSecrets } from '../lib/secrets';

/**
 * The input of the scheduled event. serverless.yml sets `repair: true` for the schedule; an
 * invocation without it (a plain EventBridge event, a manual test) only reports.
 */
export interface ConsistencyCheckEvent {
  repair?: boolean;
}

/** Scheduled: checks both user collections for drift, repairs it when the event sets `repair`, and logs one summary. */
export const handler = middy<ConsistencyCheckEvent | null, ConsistencyReport>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    await loadSecrets();

    const { report } = await runCheckOrLog(event?.repair === true);

    logReport(report);
    return report;
  });

// A run that cannot finish is logged here and rethrown, so Lambda records the invocation as failed.
async function runCheckOrLog(repair: boolean): ReturnType<typeof runConsistencyCheck> {
  try {
    return await runConsistencyCheck({ repair });
  } catch (error) {
    logger.error('The consistency check could not run', { repair, ...describeError(error) });
    throw error;
  }
}
