import type { ContainerLayout } from '../../src/containers/layout';

/**
 * Test-only assembly of a container from its layout, as the streaming writer does: produced
 * segments as they are, member ranges cut from the bodies given by member index.
 */
export function assembleContainerRange(
  layout: ContainerLayout,
  bodies: ReadonlyMap<number, Uint8Array> | readonly Uint8Array[],
  start: number,
  endInclusive: number,
): Uint8Array {
  const bodyOf = (index: number): Uint8Array => {
    const body = bodies instanceof Map ? bodies.get(index) : (bodies as readonly Uint8Array[])[index];
    if (body === undefined) throw new Error(`no body for member ${index}`);
    return body;
  };
  const parts: Uint8Array[] = [];
  for (const segment of layout.slice(start, endInclusive)) {
    parts.push(
      segment.kind === 'bytes' ? segment.bytes : bodyOf(segment.index).subarray(segment.start, segment.end + 1),
    );
  }
  return Buffer.concat(parts);
}

export function assembleContainer(
  layout: ContainerLayout,
  bodies: ReadonlyMap<number, Uint8Array> | readonly Uint8Array[],
): Uint8Array {
  return assembleContainerRange(layout, bodies, 0, layout.totalLength - 1);
}
