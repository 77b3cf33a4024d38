/**
 * vue-i18n: zh-CN by default, en-US on request (the choice is kept in localStorage). Pages use `t('area.key')`;
 * Element Plus gets its own locale through App.vue's ElConfigProvider.
 *
 * Messages live in `i18n/messages/<area>.ts`, each exporting `{ 'zh-CN': {...}, 'en-US': {...} }` with a top-level
 * key named after the area; every file there is merged here, so an area adds its file without editing this one.
 */
import { createI18n } from 'vue-i18n';

export type Locale = 'zh-CN' | 'en-US';
type Tree = { [key: string]: string | Tree };
const STORAGE_KEY = 'fbpm.locale';

const modules = import.meta.glob<{ default: Record<Locale, Tree> }>('./messages/*.ts', { eager: true });
const messages: Record<Locale, Tree> = { 'zh-CN': {}, 'en-US': {} };
for (const mod of Object.values(modules)) {
  Object.assign(messages['zh-CN'], mod.default['zh-CN']);
  Object.assign(messages['en-US'], mod.default['en-US']);
}

function initialLocale(): Locale {
  const stored = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;
  return stored === 'en-US' ? 'en-US' : 'zh-CN';
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages,
});

export function currentLocale(): Locale {
  return i18n.global.locale.value as Locale;
}

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  localStorage.setItem(STORAGE_KEY, locale);
  document.documentElement.lang = locale;
}
