/**
 * The inboxes (GET /task) of the acting demo users, shared by all instance drivers: a user's inbox is fetched at
 * most once per `maxAgeMs` however many instances wait on that user, and concurrent readers share one request.
 * Each driver then picks the rows of its own business key. This keeps the polling load proportional to the
 * number of users acting, not to the number of instances in flight.
 */
import type { FiscalApiClient } from './api-client.js';

/** The fields of an inbox row (server/routes/views/task-view.ts) the drivers use. */
export interface InboxTask {
  readonly id: string;
  readonly taskDefinitionKey: string;
  readonly processDefinitionKey: string;
  readonly processInstanceId: string;
  readonly businessKey: string | null;
  readonly state: string;
  /** ISO-8601. */
  readonly created: string;
}

interface Entry {
  at: number;
  tasks: readonly InboxTask[];
  pending?: Promise<readonly InboxTask[]>;
}

const PAGE = 500;

export class Inboxes {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly api: FiscalApiClient) {}

  /** The open tasks of `user`, at most `maxAgeMs` old. */
  async of(user: string, maxAgeMs: number): Promise<readonly InboxTask[]> {
    const entry = this.entries.get(user);
    if (entry?.pending) return entry.pending;
    if (entry && Date.now() - entry.at <= maxAgeMs) return entry.tasks;
    const next: Entry = entry ?? { at: 0, tasks: [] };
    next.pending = this.api
      .get(user, `/task?maxResults=${PAGE}&sortBy=created&sortOrder=asc`)
      .then((rows) => {
        next.tasks = rows as InboxTask[];
        next.at = Date.now();
        return next.tasks;
      })
      .finally(() => {
        next.pending = undefined;
      });
    this.entries.set(user, next);
    return next.pending;
  }

  /** Forget a user's cached inbox (after acting on one of its tasks). */
  forgetTask(user: string, taskId: string): void {
    const entry = this.entries.get(user);
    if (entry) entry.tasks = entry.tasks.filter((t) => t.id !== taskId);
  }
}
