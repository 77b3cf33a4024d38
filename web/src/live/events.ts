/**
 * Live inbox events from GET /api/events (Server-Sent Events with the session cookie). One EventSource per tab,
 * opened by the shell after sign-in; pages subscribe with `onInboxEvent` and re-read what changed. Events are
 * notifications only (no replay): after a reconnect, subscribers are told with type `reconnected` to reload.
 */
export interface InboxEventMessage {
  readonly type: string;
  readonly instanceId: string;
  readonly taskId: string | null;
  readonly elementId: string | null;
  readonly at: string;
}

type Listener = (event: InboxEventMessage) => void;
const listeners = new Set<Listener>();
let source: EventSource | null = null;
let opened = false;

function dispatch(event: InboxEventMessage): void {
  for (const l of listeners) l(event);
}

export function connectEvents(): void {
  if (source) return;
  source = new EventSource('/api/events', { withCredentials: true });
  source.addEventListener('ready', () => {
    if (opened)
      dispatch({
        type: 'reconnected',
        instanceId: '',
        taskId: null,
        elementId: null,
        at: new Date().toISOString(),
      });
    opened = true;
  });
  source.onmessage = (e) => handle(e.data);
  // the server names each frame after the event type; listen to the known ones and any others via onmessage
  for (const type of [
    'task.opened',
    'task.taken',
    'task.returned',
    'task.urged',
    'task.dueSoon',
    'task.overdue',
    'instance.ended',
  ])
    source.addEventListener(type, (e) => handle((e as MessageEvent<string>).data));
}

function handle(data: string): void {
  try {
    dispatch(JSON.parse(data) as InboxEventMessage);
  } catch {
    /* a malformed frame is ignored */
  }
}

export function disconnectEvents(): void {
  source?.close();
  source = null;
  opened = false;
}

/** Subscribe; returns the unsubscribe function (call it in onUnmounted). */
export function onInboxEvent(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
