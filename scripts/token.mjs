#!/usr/bin/env node
// `npm run --silent token -- <role>`: prints only a JWT for the seeded demo user of that role,
// signed with the local key the local Worker trusts.
import { demoUsers, signJwt, supabaseClaims } from './lib/jwt.mjs';
import { loadLocalAuth } from './lib/stack.mjs';

const role = process.argv[2];
if (!Object.hasOwn(demoUsers, role ?? '')) {
  process.stderr.write(`usage: npm run --silent token -- <${Object.keys(demoUsers).join('|')}>\n`);
  process.exit(2);
}
const auth = await loadLocalAuth();
const token = await signJwt(auth.privateJwk, supabaseClaims({ supabaseUrl: auth.supabaseUrl, ...demoUsers[role] }));
process.stdout.write(`${token}\n`);
