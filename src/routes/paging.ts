/**
 * Keyset paging: queries fetch one row more than the page holds, which tells whether another
 * page exists without a count. `cursorOf` turns the page's last row into the next cursor.
 */
export function keysetPage<Row, Cursor>(rows: Row[], limit: number, cursorOf: (last: Row) => Cursor): { items: Row[]; nextCursor: Cursor | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
