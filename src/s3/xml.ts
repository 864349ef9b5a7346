// S3 answers with small XML documents of known shape (S3 API Reference: CreateMultipartUpload,
// ListParts, CompleteMultipartUpload, ListObjectsV2); the few fields needed are read by element
// name. Values never contain markup, only entity-escaped text (XML 1.0 §4.6 predefined entities,
// §4.1 character references).

export function unescapeXml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&');
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The text of the first `<name>` element, unescaped; undefined when there is none. */
export function xmlElement(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match ? unescapeXml(match[1]!) : undefined;
}
