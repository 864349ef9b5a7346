import { z } from '@hono/zod-openapi';
import { ApiError } from '../errors';
import { decodeBase64url, encodeBase64url } from '../encoding/base64url';
import { timestampSchema } from './schemas';

const cursorSchema = z.object({ createdAt: timestampSchema, id: z.uuid() });

/** Position after a row in (created_at desc, id desc) order. */
export type CreatedCursor = z.infer<typeof cursorSchema>;

// The cursor is opaque to clients: base64url of the last row's sort key.
export function encodeCursor(position: CreatedCursor): string {
  return encodeBase64url(new TextEncoder().encode(JSON.stringify(position)));
}

export function decodeCursor(cursor: string): CreatedCursor {
  try {
    return cursorSchema.parse(JSON.parse(new TextDecoder().decode(decodeBase64url(cursor) ?? new Uint8Array())));
  } catch {
    throw new ApiError('invalid_request', 'cursor is not valid');
  }
}

/**
 * Keyset paging: queries fetch one row more than the page holds, which tells whether another
 * page exists without a count. `cursorOf` turns the page's last row into the next cursor.
 */
export function keysetPage<Row, Cursor>(
  rows: Row[],
  limit: number,
  cursorOf: (last: Row) => Cursor,
): { items: Row[]; nextCursor: Cursor | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
