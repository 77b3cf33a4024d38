/**
 * The `fiscal-bpm` command line: start, worker, migrate, validate, deploy, audit, check, seed, user. Prints plain
 * lines, never a stack trace for bad input; returns the exit code. `<command> --help` explains one command.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { runValidate } from './validate.js';
import { runDeploy } from './deploy.js';
import { runStart } from './start.js';
import { AUDIT_USAGE, runAudit } from './audit.js';
import { CHECK_USAGE, runCheck } from './check.js';
import { runAccountCli } from './user.js';
import { runLayout } from './layout.js';
import { runReplayCli } from './replay.js';

const USAGE = `fiscal-bpm <command> [options]

Commands:
  start                 migrate, seed the demo directory, deploy processes/, serve the API and run the workers
  worker                run extra engine workers against the same database and Redis
  migrate               bring the database schema to the latest version
  validate <file.bpmn>… check BPMN files; prints "OK <file>" or one line per problem; exit 1 on problems
  deploy [--dry-run] <file.bpmn>…
                        validate and deploy BPMN files as new process versions, printing what changed;
                        --dry-run prints the changes and deploys nothing
  layout [--force] <file.bpmn>…
                        add a generated diagram (BPMNDI) to files that have none
  audit verify          recompute the audit log's hash chains (--chain <id> for one); exit 1 on a broken row
  replay [--instance <id> | --definition <key>] [--against <file.bpmn>]
                        replay the routing decisions of running instances (against a new model with
                        --against) and print each one that would differ; exit 1 when one does
  check [--json]        check the invariants I1–I7 (wake-ups, history, effects, indicators, audit, outbox,
                        open-task counters); prints violations with ids; exit 1 on a violation
  seed [--demo]         add the org directory (with --demo the demo users and their password) and the
                        ADMIN_USER_ID administrator; see seed --help
  user create <id> …    add a user who can sign in; user password <id> sets a password; see user --help

Environment: DATABASE_URL (mysql://… or a SQLite path; default data/fiscal-bpm.sqlite),
REDIS_URL (redis://…; default: in-process queue), PORT, HOST, QUEUE_PREFIX, SERVICE_CONCURRENCY, LOG_LEVEL
and the others listed in the README.`;

/** `fiscal-bpm <command> --help` for the commands parsed here (audit, seed and user have their own). */
const COMMAND_HELP: Record<string, string> = {
  check: CHECK_USAGE,
  start: `fiscal-bpm start

Migrates the database, adds the org directory with the demo users (idempotent; DEMO_LOGINS=false leaves their
passwords unset), creates the ADMIN_USER_ID administrator if configured, deploys every .bpmn under processes/
that changed, then serves the HTTP API (PORT, HOST; API docs at /api/docs) and runs the engine workers in this
process. SIGINT/SIGTERM stops accepting connections and finishes the requests and jobs in flight.`,
  worker: `fiscal-bpm worker

Runs the engine workers only (service tasks, timers, routing) against the same DATABASE_URL and REDIS_URL as
the API processes; start as many as needed. SIGINT/SIGTERM finishes the jobs in flight, then exits.`,
  migrate: `fiscal-bpm migrate

Brings the database schema to the latest version and exits (start does this too).`,
  validate: `fiscal-bpm validate <file.bpmn>…

Checks BPMN files with the same rules as deployment. Prints "OK <file>", or one line per problem:
"<file>: <elementId> (<type>): <message>". Exit 0 when every file is valid, 1 otherwise. Needs no database.`,
  layout: `fiscal-bpm layout [--force] <file.bpmn>…

Gives BPMN files written without a diagram a generated layout (BPMNDI), so they open in the modeler and the
instance viewer; the process and its fiscal: settings are kept and the result is validated. Files that have a
diagram are kept unless --force.`,
  deploy: `fiscal-bpm deploy [--dry-run] <file.bpmn>…

Validates the files with the deployment rules and deploys each process as its next version (identical XML:
no new version), printing per process what changed against the deployed version (elements added, removed,
changed). --dry-run prints the same summary and deploys nothing.`,
};

export async function main(argv: string[]): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  // `user` and `seed` parse their own options (user.ts, seed.ts)
  if (argv[0] === 'user' || argv[0] === 'seed') return runAccountCli(argv[0], argv.slice(1), out, err);
  if (argv[0] === 'replay') return runReplayCli(argv.slice(1), out, err);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        chain: { type: 'string' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        force: { type: 'boolean' },
      },
    });
  } catch (e) {
    err((e as Error).message);
    err(USAGE);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help && command === 'audit') {
    out(AUDIT_USAGE);
    return 0;
  }
  if (parsed.values.help && command && COMMAND_HELP[command]) {
    out(COMMAND_HELP[command]);
    return 0;
  }
  if (parsed.values.help || !command) {
    out(USAGE);
    return command || parsed.values.help ? 0 : 2;
  }
  try {
    switch (command) {
      case 'validate':
        if (rest.length === 0) {
          err('validate needs at least one .bpmn file');
          return 2;
        }
        return await runValidate(rest, out);
      case 'deploy':
        return await runDeploy(loadConfig(), rest, out, err, { dryRun: parsed.values['dry-run'] === true });
      case 'layout':
        if (rest.length === 0) {
          err('layout needs at least one .bpmn file');
          return 2;
        }
        return await runLayout(rest, { force: parsed.values.force === true }, out, err);
      case 'check':
        return await runCheck(loadConfig(), { json: parsed.values.json === true }, out, err);
      case 'audit':
        return await runAudit(loadConfig(), rest, { chain: parsed.values.chain }, out, err);
      case 'migrate':
      case 'start':
      case 'worker':
        return await runStart(loadConfig(), command, out);
      default:
        err(`Unknown command "${command}"`);
        err(USAGE);
        return 2;
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      return 2;
    }
    err(`fiscal-bpm ${command} failed: ${(e as Error).message}`);
    return 1;
  }
}
