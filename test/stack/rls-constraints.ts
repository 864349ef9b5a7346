import type { z } from '@hono/zod-openapi';
import { createCompanyRoute } from '../../src/routes/companies/create-company';
import { createDatasetRoute } from '../../src/routes/datasets/create-dataset';
import { reviewSubmissionRoute } from '../../src/routes/submissions/review-submission';
import { createTaskRoute } from '../../src/routes/tasks/create-task';
import { createUploadRoute } from '../../src/routes/uploads/create-upload';
import { activeContentTypes, isActiveContentType } from '../../src/uploads/media-types';
import { ids } from './rls-fixtures';
import { hostile } from './rls-data-api';
import type { Table } from './rls-statements';

// The CHECK constraints of supabase/migrations/20261130021000_data_api_read_only.sql, one rule per
// user-supplied column, each with values it must refuse and values it must keep. Every value is
// also put to the API's own rule (the route's zod schema, and for content types the upload
// handler's checks), which must agree: a constraint stricter than the API would turn a valid
// request into a 500, a looser one would let a row in that the API keeps out.

export interface ValueRule {
  constraint: string;
  table: Table;
  column: string;
  /** The seeded row the rule is tried on. */
  row: string;
  /** An array column: values are JSON arrays of text, written element by element. */
  array?: boolean;
  refused: unknown[];
  kept: unknown[];
  /** Whether the API accepts the value; absent where no route writes the column. */
  api?: (value: unknown) => boolean;
}

const schemaOf = <T extends { request: { body: { content: { 'application/json': { schema: z.ZodType } } } } }>(
  route: T,
) => route.request.body.content['application/json'].schema;

const accepts = (schema: z.ZodType, body: Record<string, unknown>) => schema.safeParse(body).success;

// POST /v1/uploads: the body's schema, then what the handler refuses before opening anything.
const uploadAccepts = (change: Record<string, unknown>) =>
  accepts(schemaOf(createUploadRoute), { taskId: ids.taskA, contentType: 'audio/webm', size: 1, ...change });
const uploadAcceptsType = (value: unknown) =>
  uploadAccepts({ contentType: value }) && !String(value).includes('*') && !isActiveContentType(String(value));

const taskAccepts = (change: Record<string, unknown>) =>
  accepts(schemaOf(createTaskRoute), { title: 't', allowedContentTypes: ['audio/*'], maxBytes: 1, ...change });

const q = (id: string) => `id = '${id}'`;
const controls = ['\u0001', '\u0007', '\u001b[31m', '\u007f', '\u0085', '\u009b'];
const blank = [' ', '\t\n', '\u00a0\u3000\ufeff\u2028'];
const distinctTypes = (count: number) => Array.from({ length: count }, (_, i) => `audio/x-${i}`);

export const valueRules: ValueRule[] = [
  {
    constraint: 'submissions_content_type_media_type',
    table: 'submissions',
    column: 'content_type',
    row: q(ids.uploadedA),
    refused: [
      hostile.contentType,
      `audio/${'a'.repeat(195)}`,
      'audio',
      'audio/webm\n;codecs=opus',
      'audio/webm;\u00a0codecs=opus',
      'audio/webm\u202e',
      'audio/webm; codecs="opus"',
      'audio/*',
      'audio/webm;x=*',
    ],
    kept: ['audio/webm', `x/${'a'.repeat(198)}`, 'audio/webm;codecs=opus', 'Audio/WebM \t; codecs=opus ; rate=48000'],
    api: uploadAcceptsType,
  },
  {
    constraint: 'submissions_content_type_not_active',
    table: 'submissions',
    column: 'content_type',
    row: q(ids.uploadedA),
    refused: [
      ...activeContentTypes,
      hostile.activeType,
      'IMAGE/SVG+XML; charset=utf-8',
      'Text/Html',
      'image/vnd.evil+xml',
      'audio/x-anything+xml',
    ],
    kept: ['image/png', 'application/xml-dtd', 'application/xmlx', 'text/plain', 'application/octet-stream'],
    api: uploadAcceptsType,
  },
  {
    constraint: 'submissions_original_filename_text',
    table: 'submissions',
    column: 'original_filename',
    row: q(ids.uploadedA),
    refused: [
      hostile.filename,
      '',
      'a'.repeat(256),
      ...controls.map((c) => `a${c}.webm`),
      'a\tb.webm',
      'a\nb.webm',
      'a\rb.webm',
      'invoice\u202egpj.exe',
      ...['\u202a', '\u202b', '\u202c', '\u202d', '\u2066', '\u2067', '\u2068', '\u2069'].map((c) => `a${c}.webm`),
    ],
    kept: ['take.webm', 'a'.repeat(255), 'naïve café.webm', 'تسجيل.webm', '\u{1F600}.webm', 'a\u200fb.webm', null],
    api: (value) => value === null || uploadAccepts({ filename: value }),
  },
  {
    constraint: 'submissions_review_note_text',
    table: 'submissions',
    column: 'review_note',
    row: q(ids.approvedA),
    refused: ['n'.repeat(2001), ...controls.map((c) => `ok${c}`)],
    kept: ['clear', 'n'.repeat(2000), 'line one\nline two\r\n\tend', 'a\u202eb', null],
    api: (value) => value === null || accepts(schemaOf(reviewSubmissionRoute), { decision: 'approve', note: value }),
  },
  {
    constraint: 'tasks_title_text',
    table: 'tasks',
    column: 'title',
    row: q(ids.taskA),
    refused: ['t'.repeat(201), ...blank, ...controls.map((c) => `t${c}`)],
    kept: ['Read a sentence aloud', 't'.repeat(200), ' x ', 'line\nbreak'],
    api: (value) => taskAccepts({ title: value }),
  },
  {
    constraint: 'tasks_description_text',
    table: 'tasks',
    column: 'description',
    row: q(ids.taskA),
    refused: ['d'.repeat(2001), ...controls.map((c) => `d${c}`)],
    kept: ['', 'd'.repeat(2000), 'two\nlines\tand a tab', null],
    api: (value) => value === null || taskAccepts({ description: value }),
  },
  {
    constraint: 'tasks_allowed_content_types_patterns',
    table: 'tasks',
    column: 'allowed_content_types',
    row: q(ids.taskA),
    array: true,
    refused: [
      [],
      distinctTypes(51),
      ['*/*'],
      ['audio/**'],
      ['audio/webm;codecs=opus'],
      ['audio/*', 'text/html'],
      ['image/svg+xml'],
      ['IMAGE/VND.EVIL+XML'],
      ['application/pdf'],
      [`a/${'b'.repeat(199)}`],
      ['audio/*', 'audio/web m'],
      ['audio/*,video/*'],
    ],
    kept: [
      ['audio/*'],
      ['audio/*', 'image/png', 'application/octet-stream'],
      distinctTypes(50),
      [`a/${'b'.repeat(198)}`],
    ],
    api: (value) => taskAccepts({ allowedContentTypes: value }),
  },
  {
    constraint: 'companies_name_text',
    table: 'companies',
    column: 'name',
    row: q(ids.companyA),
    refused: ['c'.repeat(201), ...blank, ...controls.map((c) => `c${c}`)],
    kept: ['Acme', 'c'.repeat(200), ' Acme Ltd. '],
    api: (value) => accepts(schemaOf(createCompanyRoute), { name: value }),
  },
  {
    constraint: 'datasets_description_text',
    table: 'datasets',
    column: 'description',
    row: q(ids.datasetGranted),
    refused: controls.map((c) => `d${c}`),
    kept: ['', 'd'.repeat(2000), 'two\nlines\tand a tab'],
    api: (value) => accepts(schemaOf(createDatasetRoute), { name: 'n', taskId: ids.taskA, description: value }),
  },
  // No route writes display names: the sign-up trigger keeps at most 200 characters of the
  // user's metadata, without control characters.
  {
    constraint: 'profiles_display_name_text',
    table: 'profiles',
    column: 'display_name',
    row: q(ids.contributorA),
    refused: ['n'.repeat(201), ...controls.map((c) => `n${c}`), 'a\tb', 'a\nb'],
    kept: ['Ada Lovelace', 'n'.repeat(200), 'a\u202eb', null],
  },
];
