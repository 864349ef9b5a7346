import { memberFetchAttempts } from './bundles/member-source';
import { datasetMessageSubrequests } from './datasets/cut';
import { maximumShards } from './datasets/shard-names';
import { multipartLimits } from './s3/limits';
import type { Config } from './env';

// The most subrequests one invocation can make, per kind of invocation, for a configuration:
// wrangler.toml [limits] subrequests must cover the largest (npm run deploy:check compares, and
// wrangler.toml shows the arithmetic for the defaults). Database statements are counted as if
// each were a subrequest.

/** Statements of one transaction at most, as the request and job paths use them. */
const transactionStatements = 10;

/**
 * Members a dataset may have for its cut and its finishing to fit the same bound: both read
 * 10,000 members per transaction, so 20 million members take ~8,000 statements, and the
 * manifest's 5 MiB parts ~1,000 more. Larger datasets need more than this bound counts; the
 * README says so.
 */
export const cutMemberBound = 20_000_000;

export function worstCaseSubrequests(
  config: Config,
): Record<'bundleDownload' | 'datasetBuild' | 'datasetCut' | 'sweep', number> {
  // The slice's parts stop at the budget (src/datasets/part-cost.ts); besides them, the composed
  // parts' temporary objects are deleted (at most one per part, once) and fixed calls made
  // (src/datasets/build.ts, queue.ts): create the upload and abort it when another attempt won,
  // complete, HEAD, abort a vanished or failed upload, queue the next slice or the dataset's
  // finishing message (7), and up to six transactions (read the shard, record the upload, forget
  // it, mark it ready, count the failed attempt, mark it failed).
  const afterParts = multipartLimits.maximumParts + 7 + 6 * transactionStatements;
  return {
    // Every member read by ranged GET, each with its retries (src/bundles/member-source.ts).
    bundleDownload: config.bundles.memberLimit * memberFetchAttempts + transactionStatements,
    datasetBuild: config.datasets.subrequestBudget + afterParts,
    // A dataset's own message: the cut, or its finishing (src/datasets/cut.ts).
    datasetCut: datasetMessageSubrequests(cutMemberBound, maximumShards),
    // Failures until the budget is spent, the last one (two transactions, an abort) possibly
    // deleting a full set of composed parts; then one transaction and one sendBatch for the
    // re-queues (src/datasets/sweep.ts).
    sweep: config.datasets.subrequestBudget + multipartLimits.maximumParts + 2 + 3 * transactionStatements,
  };
}

/** What Workers Paid allows at most per invocation (developers.cloudflare.com/workers/platform/limits/). */
export const platformLimits = { cpuMs: 300_000, subrequests: 10_000_000 } as const;
