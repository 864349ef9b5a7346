// The offline checks `npm run deploy:check` makes of each deployable environment: its wrangler
// configuration as wrangler resolves it, and its vars as the Worker's own schema reads them.
// Each check yields { level, text }: 'ok', 'error', or 'placeholder' (an error unless the run
// is a dry run with --allow-placeholders).

import type { Unstable_Config as WranglerConfig } from 'wrangler';
import type { Bindings, Config, secretBindings as workerSecretBindings } from '../../src/env';
import type { platformLimits as workerPlatformLimits, worstCaseSubrequests as workerWorstCase } from '../../src/limits';

export interface CheckResult {
  level: 'ok' | 'error' | 'placeholder';
  text: string;
}

type SecretBindings = typeof workerSecretBindings;

// Values that stand for something the operator has yet to create or choose: RFC 2606 / RFC 6761
// example and reserved names, and the spellings wrangler.toml uses for them. Hetzner's real
// endpoint (`*.your-objectstorage.com`) does not match.
const placeholderPatterns = [
  /your-(?:[a-z0-9-]+-)?project/i,
  /(?:^|[/.@])example\.(?:com|org|net)(?:$|[/:])/i,
  /\.(?:example|invalid|test|localhost)(?:$|[/:])/i,
  /<[^>]*>/,
  /\b(?:REPLACE|CHANGEME|TODO)\b/,
];

/**
 * What the dataset queue's consumer invocations of one environment share, and the bound on
 * wrangler.toml [[queues.consumers]] max_concurrency it gives (wrangler.toml explains it).
 */
export const datasetConsumerCapacity = {
  // `wrangler hyperdrive create … --origin-connection-limit=30` (README, Deploy step 4): half of
  // the 60 direct connections of Supabase's Micro compute (supabase.com/docs/guides/platform/
  // compute-add-ons); builds may hold half of the pool, the API keeps the rest.
  hyperdriveOriginConnections: 30,
  buildShareOfOriginConnections: 1 / 2,
  // Hetzner Object Storage: up to 750 requests/s per bucket (docs.hetzner.com/storage/
  // object-storage/overview/#limits). Builds read their members from the raw bucket, which
  // uploads and bundle downloads use too; builds get two thirds.
  bucketRequestsPerSecond: 750,
  buildShareOfBucketRequests: 2 / 3,
  // Connections an invocation may have waiting for response headers (developers.cloudflare.com/
  // workers/platform/limits/); the database socket takes one.
  connectionsWaitingForHeaders: 6,
  databaseSockets: 1,
  // The least a member GET waits for its headers: a round trip to fsn1 and RGW's first byte.
  memberGetSeconds: 0.02,
} as const;

/**
 * The most consumer invocations at once for a DATASET_BUILD_CONCURRENCY: by origin connections
 * (one per invocation at a time: a postgres.js connection with max: 1, which Hyperdrive lends an
 * origin connection per transaction) and by the raw bucket's request rate (each of the parts in
 * flight holds a connection while it streams, the socket another, and the rest serve member GETs).
 */
export function datasetConsumerBound(buildConcurrency: number): { database: number; store: number; bound: number } {
  const capacity = datasetConsumerCapacity;
  const database = Math.floor(capacity.hyperdriveOriginConnections * capacity.buildShareOfOriginConnections);
  const getConnections = capacity.connectionsWaitingForHeaders - capacity.databaseSockets - buildConcurrency;
  const requestsPerInvocation = Math.max(1, getConnections) / capacity.memberGetSeconds;
  const store = Math.floor(
    (capacity.bucketRequestsPerSecond * capacity.buildShareOfBucketRequests) / requestsPerInvocation,
  );
  return { database, store, bound: Math.max(1, Math.min(database, store)) };
}

// Placement hint regions: `{provider}:{region}` for AWS, GCP and Azure (developers.cloudflare.com/
// workers/configuration/placement/, "List supported regions"); a host probe needs its port.
const placementRegion = /^(?:aws|gcp|azure):[a-z0-9-]+$/;
const placementHost = /^[a-z0-9.-]+:\d+$/i;

export function looksLikePlaceholder(text: string): boolean {
  return placeholderPatterns.some((pattern) => pattern.test(text));
}

// An origin a production browser app never has: plain http, or a developer's own machine.
const localOrigin = /^http:|localhost|127\.0\.0\.1|\[::1\]/i;

/** Bindings as wrangler would hand them over, with stand-ins for the secrets and Hyperdrive. */
export function bindingsOf(config: WranglerConfig, secretBindings: SecretBindings): Bindings {
  const secrets = Object.fromEntries(
    secretBindings.required.map((name) => [name, `deploy-check-placeholder-for-${name}`.padEnd(40, '-')]),
  );
  return {
    ...config.vars,
    ...secrets,
    HYPERDRIVE: { connectionString: 'postgres://deploy-check@hyperdrive.invalid:5432/postgres' },
    DATASET_BUILDS: {},
  } as unknown as Bindings;
}

/**
 * The checks of one environment. `config` is wrangler's resolved configuration of it; `parsed`
 * is src/env.ts readConfig's result or its error; `secretBindings` (src/env.ts),
 * `worstCaseSubrequests` and `platformLimits` (src/limits.ts) are passed in from the Worker's
 * own modules.
 */
export function checkEnvironment({
  name,
  config,
  parsed,
  secretBindings,
  worstCaseSubrequests,
  platformLimits,
}: {
  name: string;
  config: WranglerConfig;
  parsed: { config?: Config; error?: string };
  secretBindings: SecretBindings;
  worstCaseSubrequests: typeof workerWorstCase;
  platformLimits: typeof workerPlatformLimits;
}): CheckResult[] {
  const results: CheckResult[] = [];
  const ok = (text: string) => results.push({ level: 'ok', text });
  const error = (text: string) => results.push({ level: 'error', text });
  const placeholder = (text: string) => results.push({ level: 'placeholder', text });

  // Vars, read by the same schema the Worker reads them with.
  if (parsed.error) error(`vars: ${parsed.error} (src/env.ts readConfig)`);
  else ok('vars valid for src/env.ts readConfig (secrets and Hyperdrive stood in for)');
  const inVars = [...secretBindings.required, ...secretBindings.optional].filter((secret) =>
    Object.hasOwn(config.vars ?? {}, secret),
  );
  if (inVars.length > 0)
    error(
      `${inVars.join(', ')} in [vars]: secrets go in with \`wrangler secret put NAME --env ${name}\`, never in the file`,
    );
  for (const [variable, value] of Object.entries(config.vars ?? {})) {
    if (typeof value === 'string' && looksLikePlaceholder(value)) placeholder(`${variable} = ${value}`);
  }
  if (parsed.config && name === 'production') {
    const local = parsed.config.corsOrigins.filter((origin) => localOrigin.test(origin));
    if (local.length > 0)
      error(`CORS_ORIGINS admits ${local.join(', ')}: production serves the apps' https origins only`);
    else ok(`CORS_ORIGINS ${parsed.config.corsOrigins.join(', ')}: no http or localhost origin`);
  }

  // Where it answers: a custom domain, since the Cache API behind /assets does nothing on
  // *.workers.dev (developers.cloudflare.com/workers/runtime-apis/cache/).
  const domains = (config.routes ?? [])
    .flatMap((route) => (typeof route === 'object' && 'custom_domain' in route && route.custom_domain ? [route] : []))
    .map((route) => route.pattern);
  if (domains.length === 0) error('no custom domain in routes (routes = [{ pattern = "host", custom_domain = true }])');
  else ok(`custom domain ${domains.join(', ')}`);
  for (const domain of domains) if (looksLikePlaceholder(domain)) placeholder(`custom domain ${domain}`);
  if (config.workers_dev !== false)
    error('workers_dev is not false: *.workers.dev would serve the API, with /assets uncached');

  // Hyperdrive.
  const hyperdrive = (config.hyperdrive ?? []).find((binding) => binding.binding === 'HYPERDRIVE');
  if (!hyperdrive) error('no HYPERDRIVE binding');
  else if (/^0+$/.test(hyperdrive.id))
    placeholder(`HYPERDRIVE id ${hyperdrive.id} (wrangler hyperdrive create … --caching-disabled)`);
  else if (!/^[0-9a-f]{32}$/.test(hyperdrive.id))
    error(`HYPERDRIVE id ${hyperdrive.id} is not a Hyperdrive configuration id (32 hex digits)`);
  else ok(`HYPERDRIVE ${hyperdrive.id}`);

  // Placement: an explicit hint, so the API runs next to Postgres and the buckets from the first
  // request; Smart Placement needs minutes of traffic first (wrangler.toml, Placement).
  const placement = (config.placement ?? {}) as { mode?: string; region?: string; host?: string; hostname?: string };
  if (placement.region !== undefined) {
    if (placementRegion.test(placement.region)) ok(`placement region ${placement.region}`);
    else error(`placement region ${placement.region} is not provider:region (aws:eu-central-1, gcp:…, azure:…)`);
  } else if (placement.host !== undefined) {
    if (placementHost.test(placement.host)) ok(`placement host ${placement.host}`);
    else error(`placement host ${placement.host} needs its port (db.<project-ref>.supabase.co:5432)`);
  } else if (placement.hostname !== undefined) ok(`placement hostname ${placement.hostname}`);
  else
    error(
      `no placement hint (${placement.mode ? `mode = "${placement.mode}"` : 'no [placement]'}): set [env.${name}.placement] region = "aws:<the Supabase project's region>"`,
    );

  // The dataset queue, its consumer and dead-letter queue.
  const producer = (config.queues?.producers ?? []).find((binding) => binding.binding === 'DATASET_BUILDS');
  const consumer = producer && (config.queues?.consumers ?? []).find((entry) => entry.queue === producer.queue);
  if (!producer) error('no DATASET_BUILDS queue producer');
  else if (!consumer) error(`nothing consumes ${producer.queue}: this Worker must`);
  else {
    if (!consumer.dead_letter_queue || consumer.dead_letter_queue === consumer.queue)
      error(`${consumer.queue} has no dead-letter queue of its own`);
    // One dataset per invocation: the subrequest budget is per invocation (src/datasets/part-cost.ts).
    if (consumer.max_batch_size !== 1)
      error(`${consumer.queue}: max_batch_size must be 1 (one build slice per invocation)`);
    if (consumer.dead_letter_queue && consumer.dead_letter_queue !== consumer.queue && consumer.max_batch_size === 1) {
      ok(`queue ${consumer.queue}, dead letters to ${consumer.dead_letter_queue}`);
    }
    // Without it Queues runs up to 250 invocations at once, more than Postgres or the bucket take.
    if (parsed.config) {
      const { database, store, bound } = datasetConsumerBound(parsed.config.datasets.buildConcurrency);
      const derivation = `the bound for DATASET_BUILD_CONCURRENCY ${parsed.config.datasets.buildConcurrency}: ${database} by Hyperdrive origin connections, ${store} by the raw bucket's request rate`;
      const concurrency = consumer.max_concurrency;
      if (typeof concurrency !== 'number')
        error(`${consumer.queue}: max_concurrency unset (Queues would run up to 250 builds at once; ${derivation})`);
      else if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > bound)
        error(`${consumer.queue}: max_concurrency ${concurrency} is not within 1..${bound}, ${derivation}`);
      else ok(`${consumer.queue}: max_concurrency ${concurrency} ≤ ${bound}, ${derivation}`);
    }
  }

  // Limits, against what the configuration can use and what Workers Paid allows.
  const limits = config.limits ?? {};
  if (parsed.config) {
    const worst = worstCaseSubrequests(parsed.config);
    const [largestKind, largest] = Object.entries(worst).sort((a, b) => b[1] - a[1])[0]!;
    if (typeof limits.subrequests !== 'number')
      error(`[limits] subrequests unset (the default 10,000 is below ${largest}, the ${largestKind} worst case)`);
    else if (limits.subrequests < largest)
      error(`[limits] subrequests ${limits.subrequests} < ${largest}, the ${largestKind} worst case for these vars`);
    else if (limits.subrequests > platformLimits.subrequests)
      error(`[limits] subrequests ${limits.subrequests} > ${platformLimits.subrequests}, the Workers Paid maximum`);
    else
      ok(
        `[limits] subrequests ${limits.subrequests} ≥ ${Object.entries(worst)
          .map(([kind, count]) => `${kind} ${count}`)
          .join(', ')}`,
      );
  }
  if (typeof limits.cpu_ms !== 'number') error('[limits] cpu_ms unset');
  else if (limits.cpu_ms > platformLimits.cpuMs)
    error(`[limits] cpu_ms ${limits.cpu_ms} > ${platformLimits.cpuMs}, the Workers Paid maximum`);
  else ok(`[limits] cpu_ms ${limits.cpu_ms}`);

  // The sweep of stalled dataset builds runs only on a Cron Trigger.
  const crons = config.triggers?.crons ?? [];
  if (crons.length === 0) error('no Cron Trigger: stalled dataset builds would never be swept');
  else ok(`cron ${crons.join(', ')}`);
  return results;
}

/** Resources two environments must not share: one's traffic or data would land in the other's. */
export function sharedResources(environments: { name: string; config: WranglerConfig }[]): string[] {
  const owners = new Map<string, string[]>();
  const claim = (resource: string, environment: string) =>
    owners.set(resource, [...(owners.get(resource) ?? []), environment]);
  for (const { name, config } of environments) {
    claim(`Worker ${config.name}`, name);
    for (const route of config.routes ?? []) claim(`route ${typeof route === 'string' ? route : route.pattern}`, name);
    for (const variable of ['BUCKET_RAW', 'BUCKET_PROCESSED', 'BUCKET_ASSETS'])
      if (config.vars?.[variable]) claim(`bucket ${config.vars[variable]}`, name);
    for (const consumer of config.queues?.consumers ?? []) {
      claim(`queue ${consumer.queue}`, name);
      if (consumer.dead_letter_queue) claim(`queue ${consumer.dead_letter_queue}`, name);
    }
    for (const binding of config.hyperdrive ?? [])
      if (!/^0+$/.test(binding.id)) claim(`Hyperdrive ${binding.id}`, name);
  }
  return [...owners]
    .filter(([, names]) => new Set(names).size > 1)
    .map(([resource, names]) => `${resource}: ${[...new Set(names)].join(' and ')}`);
}
