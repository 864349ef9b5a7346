import type { ContainerLayout } from '../containers/layout';
import { sliceArchive } from './slice';
import type { ArchivePlan } from './types';

/**
 * The archive as the container every writer and part planner takes. Only STORED members are
 * stored bodies: an inline member's bytes live in the plan.
 */
export function zipContainer(plan: ArchivePlan): ContainerLayout {
  return {
    totalLength: plan.totalLength,
    rangesSupported: plan.rangesSupported,
    storedBodies: plan.entries
      .filter((entry) => entry.body.kind === 'stored')
      .map((entry) => ({ index: entry.index, name: entry.name, offset: entry.dataOffset, length: entry.dataLength })),
    slice: (start, endInclusive) => sliceArchive(plan, start, endInclusive),
  };
}
