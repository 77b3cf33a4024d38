/**
 * What a new version of a process changes against the version before it: flow nodes and sequence flows added,
 * removed or changed, by id, plus the process attributes that changed. Pure over compiled models; used by the
 * deployment route (summary next to each new version) and by `fiscal-bpm deploy --dry-run` (nothing deployed).
 */
import { loadModel } from '../../../engine/index.js';

type LoadedModel = Extract<Awaited<ReturnType<typeof loadModel>>, { ok: true }>['model'];
/** One compiled process, as loadModel yields it. */
export type CompiledProcess = LoadedModel['processes'][string];

/** An element named in a change summary. */
export interface ElementChange {
  readonly id: string;
  /** BPMN type, e.g. `bpmn:UserTask` (`bpmn:SequenceFlow` for flows). */
  readonly type: string;
  readonly name: string | null;
}

export interface ProcessChanges {
  /** The version compared against; null when the key is new. */
  readonly previousVersion: number | null;
  readonly added: ElementChange[];
  readonly removed: ElementChange[];
  readonly changed: ElementChange[];
  /** Process attributes that changed: `name`, `versionTag`, `starterRoles`. */
  readonly attributesChanged: string[];
  /** True when nothing executable differs (e.g. only the diagram layout moved). */
  readonly unchanged: boolean;
}

const PROCESS_ATTRIBUTES = ['name', 'versionTag', 'starterRoles'] as const;

/** Compares two compiled versions of one process (previous undefined: everything is added). */
export function diffProcesses(
  previous: CompiledProcess | undefined,
  next: CompiledProcess,
  previousVersion: number | null,
): ProcessChanges {
  const before = previous ? entriesOf(previous) : new Map<string, Entry>();
  const after = entriesOf(next);
  const added: ElementChange[] = [];
  const removed: ElementChange[] = [];
  const changed: ElementChange[] = [];
  for (const [id, entry] of after) {
    const old = before.get(id);
    if (!old) added.push(entry.change);
    else if (old.fingerprint !== entry.fingerprint) changed.push(entry.change);
  }
  for (const [id, entry] of before) if (!after.has(id)) removed.push(entry.change);
  const attributesChanged = previous
    ? PROCESS_ATTRIBUTES.filter((a) => stable(previous[a]) !== stable(next[a]))
    : [];
  const byId = (a: ElementChange, b: ElementChange) => a.id.localeCompare(b.id);
  return {
    previousVersion,
    added: added.sort(byId),
    removed: removed.sort(byId),
    changed: changed.sort(byId),
    attributesChanged,
    unchanged:
      previous !== undefined &&
      added.length === 0 &&
      removed.length === 0 &&
      changed.length === 0 &&
      attributesChanged.length === 0,
  };
}

/**
 * Compiles a BPMN text and returns its processes by key, or undefined when it does not load (an old version
 * deployed under earlier rules). `maxBytes` as the engine is configured.
 */
export async function compiledProcesses(
  xml: string | Uint8Array,
  maxBytes?: number,
): Promise<Readonly<Record<string, CompiledProcess>> | undefined> {
  const loaded = await loadModel(xml, maxBytes === undefined ? undefined : { maxBytes });
  return loaded.ok ? loaded.model.processes : undefined;
}

/** One line per change, for the CLI: `+ task (bpmn:UserTask 审核)`, `- …`, `~ …`. */
export function formatChanges(key: string, version: number | null, changes: ProcessChanges): string[] {
  const head =
    changes.previousVersion === null
      ? `${key}: new process${version === null ? '' : ` (v${version})`}`
      : `${key}: v${changes.previousVersion} → ${version === null ? 'next version' : `v${version}`}`;
  if (changes.unchanged) return [`${head}: no executable change`];
  const line = (sign: string, c: ElementChange) =>
    `  ${sign} ${c.id} (${c.type}${c.name ? ` ${c.name.replace(/[\u0000-\u001f\u007f]/g, ' ')}` : ''})`;
  return [
    `${head}: ${changes.added.length} added, ${changes.removed.length} removed, ${changes.changed.length} changed`,
    ...changes.added.map((c) => line('+', c)),
    ...changes.removed.map((c) => line('-', c)),
    ...changes.changed.map((c) => line('~', c)),
    ...changes.attributesChanged.map((a) => `  ~ process ${a}`),
  ];
}

// helpers //////

interface Entry {
  readonly change: ElementChange;
  readonly fingerprint: string;
}

function entriesOf(process: CompiledProcess): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const element of Object.values(process.elements))
    entries.set(element.id, {
      change: { id: element.id, type: element.bpmnType, name: element.name ?? null },
      fingerprint: stable(element),
    });
  for (const flow of Object.values(process.flows))
    entries.set(flow.id, {
      change: { id: flow.id, type: 'bpmn:SequenceFlow', name: flow.name ?? null },
      fingerprint: stable(flow),
    });
  return entries;
}

/** JSON with object keys sorted, so equal models give equal text whatever the property order. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
