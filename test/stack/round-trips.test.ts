import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTour, type TourStep } from './api-tour';
import { startHarness, type Harness } from '../support/harness';

// Database round trips per API call, counted at a proxy between the Worker and PostgreSQL. The
// Worker sits at the edge and Postgres in one region, so every round trip is paid across that
// distance; the connection's own startup is not counted (through Hyperdrive it is answered next
// to the Worker). The proxy delays every answer a few milliseconds so that statements the Worker
// pipelines always arrive before any answer could: the counts are exact, not timings.

// Every call that only talks to the database takes one round trip: authentication profile, RLS
// claims, statements and commit leave as one message. Calls that talk to S3 between database
// steps take what the operation needs (README, "Database round trips").
const oneFlight = 1;
const budgets: Record<string, number> = {
  // Take the lease (one flight), S3 copy/head/read, record the checksums (one flight).
  'POST /v1/uploads/{id}/complete': 2,
  // Authorise and insert (one flight), S3 CreateMultipartUpload on the key the insert assigned,
  // record the upload id (one flight).
  'POST /v1/uploads (multipart)': 2,
  // Record the dataset (one flight), queue its build, COMMIT (one flight): queued before the
  // commit, so that nothing is recorded if queuing fails.
  'POST /v1/datasets': 2,
  // Set the failed shards building (one flight), queue them, COMMIT (one flight), likewise.
  'POST /v1/datasets/{id}/retry': 2,
};
// Routes not yet converted, held to today's counts so that they cannot get worse.
const notConverted: Record<string, number> = {};
const budget = (route: string) => notConverted[route] ?? budgets[route] ?? oneFlight;
// Calls that queue a dataset build: the build runs from the queue on its own connections.
const queuesBuild = new Set(['POST /v1/datasets', 'POST /v1/datasets/{id}/retry']);

let harness: Harness;
let steps: TourStep[];

beforeAll(async () => {
  harness = await startHarness({
    postgresFlights: { delayMs: 4, delayStartup: false },
    // The smallest threshold S3's 5 MiB part minimum allows, so the multipart call moves little data.
    workerBindings: { MULTIPART_THRESHOLD_BYTES: String(5 * 1024 * 1024) },
  });
  const [contributor, validator, admin, company] = await Promise.all([
    harness.tokenFor('contributor'),
    harness.tokenFor('validator'),
    harness.tokenFor('admin'),
    harness.tokenFor('company'),
  ]);
  steps = apiTour(harness, { contributor, validator, admin, company });
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

describe('database round trips per API call', () => {
  it('every route stays within its budget once the connection is open; every database-only one takes exactly one', async () => {
    const flights = harness.flights!;
    const counted: Record<string, number> = {};
    for (const step of steps) {
      await step.setup?.();
      await flights.quiet();
      flights.reset();
      const answer = await step.call();
      expect(answer.status, `${step.route}: ${JSON.stringify(answer.json)}`).toBe(step.status);
      await flights.quiet();
      // The dataset build runs from the queue on its own connection, after the call answered.
      const connections = queuesBuild.has(step.route) ? flights.connections().slice(0, 1) : flights.connections();
      counted[step.route] = connections.reduce((sum, connection) => sum + connection.flights, 0);
      console.log(
        `${step.route.padEnd(46)} ${counted[step.route]} round trips, statements per flight ${JSON.stringify(connections.map((c) => c.statementsPerFlight))}`,
      );
    }
    expect(counted).toEqual(Object.fromEntries(steps.map((step) => [step.route, expect.any(Number)])));
    const over = Object.entries(counted).filter(([route, count]) => count > budget(route));
    expect(over).toEqual([]);
    // Exactly, not at most: a count below the budget means the budget (and the README) is stale.
    const exact = Object.fromEntries(
      Object.keys(counted)
        .filter((route) => !(route in notConverted))
        .map((route) => [route, budget(route)]),
    );
    expect(Object.fromEntries(Object.entries(counted).filter(([route]) => route in exact))).toEqual(exact);
  });
});
