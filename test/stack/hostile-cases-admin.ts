import { nobody, type Fixture } from './hostile-fixture';
import {
  del,
  get,
  messages,
  post,
  type Caller,
  type Expected,
  type HostileCase,
  type RawRequest,
} from './hostile-http';

// Administration routes (roles, companies, tasks, assignments): every caller but an admin is
// refused whatever the ids, including a user trying to make themselves an admin; an admin's
// request naming an id that does not exist, a deleted account, or a definition the gateway
// refuses changes nothing either.

const put = (path: string, json?: unknown): RawRequest => ({ method: 'PUT', path, json });
const patch = (path: string, json: unknown): RawRequest => ({ method: 'PATCH', path, json });

const forbidden: Expected = { status: 403, message: messages.role };
const task = { title: 'hostile', allowedContentTypes: ['audio/*'], maxBytes: 10 };

/** Requests every administration route, as data: each must be refused to `caller`. */
const adminRequests: [string, (f: Fixture, caller: Exclude<Caller, 'anonymous'>) => RawRequest][] = [
  ['lists users', () => get('/v1/users')],
  ['makes itself an admin', (f, caller) => put(`/v1/users/${f.users[caller]}/role`, { role: 'admin' })],
  [
    'makes itself a user of the demo company',
    (f, caller) => put(`/v1/users/${f.users[caller]}/role`, { role: 'company', companyId: f.companyId }),
  ],
  ['makes another user an admin', (f) => put(`/v1/users/${f.users.contributor2}/role`, { role: 'admin' })],
  [
    'moves a user into its company',
    (f) => put(`/v1/users/${f.users.contributor2}/role`, { role: 'company', companyId: f.companyId }),
  ],
  ['demotes the admin', (f) => put(`/v1/users/${f.users.admin}/role`, { role: 'contributor' })],
  ['creates a company', () => post('/v1/companies', { name: 'Hostile Ltd' })],
  ['creates a task', () => post('/v1/tasks', task)],
  [
    'widens the task it is assigned to',
    (f) => patch(`/v1/tasks/${f.taskId}`, { allowedContentTypes: ['application/octet-stream'], maxBytes: 10 ** 12 }),
  ],
  ['closes a task', (f) => patch(`/v1/tasks/${f.taskId}`, { status: 'closed' })],
  ['lists who is assigned to a task', (f) => get(`/v1/tasks/${f.taskId}/assignments`)],
  ['assigns a task to a user', (f) => put(`/v1/tasks/${f.taskId}/assignments/${f.users.contributor2}`)],
  ['assigns itself a task', (f, caller) => put(`/v1/tasks/${f.taskId}/assignments/${f.users[caller]}`)],
  ['takes a task away from a user', (f) => del(`/v1/tasks/${f.taskId}/assignments/${f.users.contributor2}`)],
  ['lists every task', () => get('/v1/tasks?scope=all')],
];

const refusedTo = (caller: Exclude<Caller, 'anonymous'>): HostileCase<Fixture>[] =>
  adminRequests.map(([name, request]) => ({
    category: 'roles',
    name: `${caller} ${name}`,
    as: caller,
    request: (f) => request(f, caller),
    expect: forbidden,
  }));

const admin = (
  name: string,
  request: (f: Fixture) => RawRequest,
  expect: Expected,
  category: 'idor' | 'size-type' = 'idor',
): HostileCase<Fixture> => ({
  category,
  name: `admin ${name}`,
  as: 'admin',
  request,
  expect,
});

const notFound = (message: string): Expected => ({ status: 404, message });

export const administrationCases: HostileCase<Fixture>[] = [
  ...(['contributor', 'contributor2', 'validator', 'company'] as const).flatMap(refusedTo),
  admin(
    'sets the role of a user that does not exist',
    () => put(`/v1/users/${nobody}/role`, { role: 'admin' }),
    notFound('user not found'),
  ),
  admin(
    'makes a user a company user of a company that does not exist',
    (f) => put(`/v1/users/${f.users.contributor2}/role`, { role: 'company', companyId: nobody }),
    notFound('company not found'),
  ),
  admin('gives a deleted account a role', (f) => put(`/v1/users/${f.users.deleted}/role`, { role: 'admin' }), {
    status: 409,
    message: 'this account was deleted',
  }),
  admin(
    'makes a company user without a company',
    (f) => put(`/v1/users/${f.users.contributor2}/role`, { role: 'company' }),
    {
      status: 400,
      message: 'companyId: companyId is required for the company role and allowed for no other',
    },
  ),
  admin('sets a role that does not exist', (f) => put(`/v1/users/${f.users.contributor2}/role`, { role: 'owner' }), {
    status: 400,
    message: /^role: /,
  }),
  admin(
    'changes a task that does not exist',
    () => patch(`/v1/tasks/${nobody}`, { status: 'closed' }),
    notFound('task not found'),
  ),
  admin(
    'lists the assignees of a task that does not exist',
    () => get(`/v1/tasks/${nobody}/assignments`),
    notFound('task not found'),
  ),
  admin(
    'assigns a task that does not exist',
    (f) => put(`/v1/tasks/${nobody}/assignments/${f.users.contributor2}`),
    notFound('task not found'),
  ),
  admin(
    'assigns a task to a user that does not exist',
    (f) => put(`/v1/tasks/${f.taskId}/assignments/${nobody}`),
    notFound('user not found'),
  ),
  admin('assigns a task to a deleted account', (f) => put(`/v1/tasks/${f.taskId}/assignments/${f.users.deleted}`), {
    status: 409,
    message: 'this account was deleted',
  }),
  admin('assigns a task to a company user', (f) => put(`/v1/tasks/${f.taskId}/assignments/${f.users.company}`), {
    status: 409,
    message: 'only contributors are assigned tasks',
  }),
  admin(
    'takes away an assignment that does not exist',
    (f) => del(`/v1/tasks/${f.taskId}/assignments/${nobody}`),
    notFound('no such assignment'),
  ),
  admin('creates a company that exists', () => post('/v1/companies', { name: 'Demo Company' }), {
    status: 409,
    message: 'a company with this name exists',
  }),
  admin(
    'lets a task accept SVG',
    () => post('/v1/tasks', { ...task, allowedContentTypes: ['image/svg+xml'] }),
    { status: 400, message: /^allowedContentTypes\.0: is active content/ },
    'size-type',
  ),
  admin(
    'lets a task accept any type',
    () => post('/v1/tasks', { ...task, allowedContentTypes: ['*/*'] }),
    { status: 400, message: /^allowedContentTypes\.0: must be a media type/ },
    'size-type',
  ),
  admin(
    'lets a task accept more than S3 stores',
    () => post('/v1/tasks', { ...task, maxBytes: 5 * 1024 ** 4 + 1 }),
    { status: 400, message: /^maxBytes: / },
    'size-type',
  ),
  admin(
    'widens a task to HTML',
    (f) => patch(`/v1/tasks/${f.taskId}`, { allowedContentTypes: ['audio/*', 'text/html'] }),
    { status: 400, message: /^allowedContentTypes\.1: is active content/ },
    'size-type',
  ),
];
