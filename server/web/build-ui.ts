/**
 * Builds the browser app (web/) with Vite's JavaScript API into web/dist. Used by `npm run build:web`, by
 * `npm start` (prestart) when web/dist is missing, by serve-ui.ts on the first page request when it is still
 * missing, and by the browser tests. One build at a time per process (single flight).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));
export const WEB_DIST = join(WEB_ROOT, 'dist');

export function isUiBuilt(dist: string = WEB_DIST): boolean {
  return existsSync(join(dist, 'index.html'));
}

let building: Promise<void> | undefined;

/** Runs `vite build` for web/ (quiet unless `log` is given). */
export function buildUi(options: { log?: (line: string) => void } = {}): Promise<void> {
  building ??= (async () => {
    const { build } = await import('vite');
    options.log?.('Building the web UI (web/ → web/dist) …');
    await build({
      configFile: join(WEB_ROOT, 'vite.config.ts'),
      root: WEB_ROOT,
      logLevel: options.log ? 'warn' : 'silent',
      mode: 'production',
    });
    options.log?.('Web UI built.');
  })().finally(() => {
    building = undefined;
  });
  return building;
}

/** Builds only when web/dist has no index.html. */
export async function ensureUiBuilt(options: { log?: (line: string) => void } = {}): Promise<boolean> {
  if (isUiBuilt()) return false;
  await buildUi(options);
  return true;
}

// `node --import tsx server/web/build-ui.ts [--if-missing]`
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifMissing = process.argv.includes('--if-missing');
  const log = (line: string) => console.log(line);
  (ifMissing ? ensureUiBuilt({ log }) : buildUi({ log })).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
