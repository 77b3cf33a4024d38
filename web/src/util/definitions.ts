/** Process names by key (latest versions), loaded once per page view and shared. */
import { ref } from 'vue';
import { api } from '@/api/client';
import type { Definition } from '@/api/types';

export const definitions = ref<Definition[]>([]);
let loading: Promise<void> | undefined;

export function loadDefinitions(force = false): Promise<void> {
  if (force) loading = undefined;
  loading ??= api
    .get<Definition[]>('/process-definition', { latestVersion: true, maxResults: 1000 })
    .then((list) => {
      const latest = new Map<string, Definition>();
      for (const d of list) if ((latest.get(d.key)?.version ?? 0) < d.version) latest.set(d.key, d);
      definitions.value = [...latest.values()].sort((a, b) => a.key.localeCompare(b.key));
    })
    .catch(() => {
      loading = undefined;
    });
  return loading;
}

export function processName(key: string | null | undefined): string {
  if (!key) return '';
  return definitions.value.find((d) => d.key === key)?.name ?? key;
}
