/**
 * Extended header records, POSIX.1-2017 pax, "pax Extended Header": each record is
 * "%d %s=%s\n" (length, keyword, value), where the length is the decimal byte count of the whole
 * record, its own digits and the newline included. Values are UTF-8 ("pax Interchange Format":
 * path names in extended headers are UTF-8 regardless of the locale).
 */

const utf8 = new TextEncoder();

/** The byte length of a record whose " keyword=value\n" part has `bodyLength` bytes. */
export function paxRecordLength(bodyLength: number): number {
  // Adding the length's own digits can carry it into one more digit (a body of 9 bytes makes a
  // record of 11, not 10, since "10" is itself two digits).
  let digits = String(bodyLength).length;
  while (String(bodyLength + digits).length > digits) digits++;
  return bodyLength + digits;
}

export interface PaxRecord {
  keyword: 'path' | 'size';
  value: string;
}

function recordBody(record: PaxRecord): Uint8Array {
  return utf8.encode(` ${record.keyword}=${record.value}\n`);
}

/** The total byte length of the records, without encoding them all at once. */
export function paxRecordsLength(records: readonly PaxRecord[]): number {
  let total = 0;
  for (const record of records) total += paxRecordLength(recordBody(record).length);
  return total;
}

export function encodePaxRecords(records: readonly PaxRecord[]): Uint8Array {
  const pieces = records.map((record) => {
    const body = recordBody(record);
    const length = utf8.encode(String(paxRecordLength(body.length)));
    const piece = new Uint8Array(length.length + body.length);
    piece.set(length);
    piece.set(body, length.length);
    return piece;
  });
  const joined = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let offset = 0;
  for (const piece of pieces) {
    joined.set(piece, offset);
    offset += piece.length;
  }
  return joined;
}
