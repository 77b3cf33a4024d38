/**
 * `fiscal-bpm user create <id> --name … --org … [--role role@org …] [--admin] [--password-env VAR]` and
 * `fiscal-bpm user password <id> [--password-env VAR]`: add a directory user who can sign in, or set a user's
 * password, from the operator's shell. The password never comes from argv (it would sit in the shell history and
 * in `ps`): it is read from the named environment variable, or from stdin (typed without echo on a terminal,
 * or piped: the first line). The same rules as the admin API apply (UserAdmin).
 */
import { parseArgs } from 'node:util';
import type { Readable } from 'node:stream';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { PrincipalLoader } from '../auth/principal-loader.js';
import { UserAdmin } from '../auth/user-admin.js';
import { openDatabase, runSeed, SEED_USAGE } from './seed.js';

export const USER_USAGE = `fiscal-bpm user create <id> --name <name> --org <org code> [--role <role>@<org code>]… [--admin]
                         [--password-env <VAR>]
fiscal-bpm user password <id> [--password-env <VAR>]

create    adds a user at the org, with the given roles (--admin adds admin at the user's org)
password  sets the password of an existing user (their sessions end)

The password is read from the environment variable named by --password-env, otherwise from stdin (a terminal
asks without echo; piped input: the first line). It needs at least 10 characters and at most 128 bytes.
Roles: clerk reviewer chief deputy_director director process_admin designer admin.`;

export interface UserCommandIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly stdin?: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  readonly env?: NodeJS.ProcessEnv;
}

export async function runUser(config: Config, argv: string[], io: UserCommandIo): Promise<number> {
  const { out, err } = io;
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        org: { type: 'string' },
        role: { type: 'string', multiple: true },
        admin: { type: 'boolean' },
        'password-env': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    err((e as Error).message);
    err(USER_USAGE);
    return 2;
  }
  const { values, positionals } = parsed;
  const [action, id, ...extra] = positionals;
  if (values.help) {
    out(USER_USAGE);
    return 0;
  }
  const usage = (message: string) => {
    err(message);
    err(USER_USAGE);
    return 2;
  };
  if (action !== 'create' && action !== 'password') return usage(`Unknown user command "${action ?? ''}"`);
  if (!id) return usage(`user ${action} needs the user id`);
  if (extra.length) return usage(`Unexpected argument "${extra[0]}"`);
  const roles: { role: string; orgCode: string }[] = [];
  if (action === 'create') {
    if (!values.name) return usage('user create needs --name');
    if (!values.org) return usage('user create needs --org');
    for (const spec of values.role ?? []) {
      const at = spec.lastIndexOf('@');
      if (at <= 0 || at === spec.length - 1) return usage(`--role ${spec}: write it as <role>@<org code>`);
      roles.push({ role: spec.slice(0, at), orgCode: spec.slice(at + 1) });
    }
    if (values.admin) roles.push({ role: 'admin', orgCode: values.org });
  }

  let password: string;
  try {
    password = await readPassword(values['password-env'], io);
  } catch (e) {
    err((e as Error).message);
    return 2;
  }

  const knex = await openDatabase(config);
  try {
    const admin = new UserAdmin(knex, new PrincipalLoader(knex), Date.now, 'cli');
    if (action === 'create') {
      const user = await admin.create(
        { id, name: values.name!, orgCode: values.org!, roles, password },
        'user',
      );
      const held = user.roles.map((r) => `${r.role}@${r.orgCode}`).join(', ') || 'no roles';
      out(`User ${user.id} created at ${user.orgCode} (${user.orgName}) with ${held}`);
    } else {
      await admin.resetPassword(id, password, 'password');
      out(`Password of ${id} set; their sessions have ended`);
    }
    return 0;
  } catch (e) {
    const apiError = e as { messageEn?: string; details?: { field?: string } };
    if (apiError.messageEn) {
      err(`${apiError.messageEn}${fieldHint(apiError.details?.field)}`);
      return 1;
    }
    throw e;
  } finally {
    await knex.destroy();
  }
}

/** `user.orgCode` → ` (--org)`: the option the operator has to fix. */
function fieldHint(field: string | undefined): string {
  if (!field) return '';
  if (/roles/.test(field)) return ' (--role)';
  if (/orgCode/.test(field)) return ' (--org)';
  if (/password/.test(field)) return ' (password)';
  if (/name/.test(field)) return ' (--name)';
  return '';
}

async function readPassword(variable: string | undefined, io: UserCommandIo): Promise<string> {
  if (variable) {
    const value = (io.env ?? process.env)[variable];
    if (!value) throw new Error(`--password-env ${variable}: the variable is not set or empty`);
    return value;
  }
  const stdin = io.stdin ?? process.stdin;
  const password = stdin.isTTY ? await readHidden(stdin, io.err) : await readFirstLine(stdin);
  if (!password) throw new Error('No password given (stdin was empty)');
  return password;
}

/** The first line of piped input, without its line ending. */
async function readFirstLine(stdin: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/, 1)[0] ?? '';
}

/** Reads a line from a terminal without echoing it. */
async function readHidden(
  stdin: Readable & { setRawMode?: (raw: boolean) => unknown },
  prompt: (line: string) => void,
): Promise<string> {
  process.stderr.write('Password: ');
  stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  let value = '';
  try {
    for await (const chunk of stdin) {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return value;
        if (ch === '\u0003') throw new Error('Cancelled');
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    }
    return value;
  } finally {
    stdin.setRawMode?.(false);
    stdin.pause();
    prompt('');
  }
}

/**
 * Entry for `user …` and `seed …` from main.ts: they parse their own options, so help works without a
 * configuration and a bad variable prints one message, not a stack.
 */
export async function runAccountCli(
  command: 'user' | 'seed',
  argv: string[],
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(command === 'user' ? USER_USAGE : SEED_USAGE);
    return 0;
  }
  try {
    const config = loadConfig();
    return command === 'user'
      ? await runUser(config, argv, { out, err })
      : await runSeed(config, argv, out, err);
  } catch (e) {
    err(e instanceof ConfigError ? e.message : `fiscal-bpm ${command} failed: ${(e as Error).message}`);
    return e instanceof ConfigError ? 2 : 1;
  }
}
