// `npm run --silent token -- <role>`: prints only a JWT for the seeded demo user of that role,
// signed with the local key the local Worker trusts.
import { type DemoRole, demoUsers, signJwt, supabaseClaims } from './lib/jwt';
import { loadLocalAuth } from './lib/stack';

const role = process.argv[2] as DemoRole | undefined;
if (role === undefined || !Object.hasOwn(demoUsers, role)) {
  process.stderr.write(`usage: npm run --silent token -- <${Object.keys(demoUsers).join('|')}>\n`);
  process.exit(2);
}
const auth = await loadLocalAuth();
const token = await signJwt(auth.privateJwk, supabaseClaims({ supabaseUrl: auth.supabaseUrl, ...demoUsers[role] }));
process.stdout.write(`${token}\n`);
