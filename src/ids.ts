/**
 * A UUID in its canonical text form (RFC 9562 §4): what Supabase Auth puts in `sub` and what every
 * id of ours is. Checked before an id reaches Postgres, so a malformed one is refused as input
 * rather than failing as a cast.
 */
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
