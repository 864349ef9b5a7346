import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTour, type TourStep } from './api-tour';
import { startHarness, type Harness } from '../support/harness';

// Database round trips per API call, counted at a proxy between the Worker and PostgreSQL. The
// Worker sits at the edge and Postgres in one region, so every round trip is paid across that
// distance; the connection's own startup is not counted (through Hyperdrive it is answered next
// to the Worker). The proxy delays every answer a few milliseconds so that statements the Worker
// pipelines always arrive before any answer could: the counts are exact, not timings.

// One round trip per call is the goal. Routes still above it are held to today's count so they
// cannot get worse; each is one to fold into a single statement (see README, "Round trips").
const goal = 1;
const notYetOneFlight: Record<string, number> = {
  'POST /v1/tasks': 7,
  'PATCH /v1/tasks/{id}': 7,
  'PUT /v1/tasks/{id}/assignments/{userId}': 5,
  'GET /v1/tasks/{id}/assignments': 7,
  'DELETE /v1/tasks/{id}/assignments/{userId}': 5,
  'POST /v1/uploads': 7,
  'POST /v1/uploads/{id}/complete': 12,
  'POST /v1/uploads (multipart)': 9,
  'POST /v1/uploads/{id}/parts': 5,
  'DELETE /v1/uploads/{id}': 7,
  'GET /v1/submissions': 5,
  'GET /v1/submissions/{id}': 5,
  'POST /v1/submissions/{id}/view-url': 7,
  'POST /v1/submissions/{id}/review': 7,
  'POST /v1/bundles': 7,
  'GET /v1/bundles/{id}/download': 5,
  'POST /v1/datasets': 5,
  'GET /v1/datasets/{id}': 5,
  'GET /v1/datasets': 5,
  'POST /v1/datasets/{id}/grants': 9,
  'POST /v1/datasets/{id}/download-url': 5,
  'DELETE /v1/datasets/{id}/grants/{companyId}': 5,
  'GET /v1/access-log': 5,
  'GET /v1/users': 5,
  'PUT /v1/users/{id}/role': 7,
  'GET /v1/companies': 4,
  'POST /v1/companies': 5,
};
const budget = (route: string) => notYetOneFlight[route] ?? goal;

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
  it('every route stays within its budget once the connection is open; the converted ones take one', async () => {
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
      const connections =
        step.route === 'POST /v1/datasets' ? flights.connections().slice(0, 1) : flights.connections();
      counted[step.route] = connections.reduce((sum, connection) => sum + connection.flights, 0);
      console.log(
        `${step.route.padEnd(46)} ${counted[step.route]} round trips, statements per flight ${JSON.stringify(connections.map((c) => c.statementsPerFlight))}`,
      );
    }
    expect(counted).toEqual(Object.fromEntries(steps.map((step) => [step.route, expect.any(Number)])));
    const over = Object.entries(counted).filter(([route, count]) => count > budget(route));
    expect(over).toEqual([]);
    expect(counted['GET /v1/tasks']).toBe(goal);
    expect(counted['GET /v1/tasks?scope=all']).toBe(goal);
  });
});
