/**
 * The signed-in user, shared by the shell and the pages (a small reactive store; no Pinia needed for one object).
 */
import { reactive } from 'vue';
import { api } from '@/api/client';

export type OrgLevel = 'province' | 'city' | 'county';
export type Role =
  'clerk' | 'reviewer' | 'chief' | 'deputy_director' | 'director' | 'process_admin' | 'designer' | 'admin';

export interface SessionUser {
  readonly id: string;
  readonly name: string;
  readonly orgCode: string;
  readonly orgName: string;
  readonly orgLevel: OrgLevel;
  readonly roles: readonly { role: Role; orgCode: string }[];
}

export const session = reactive<{ user: SessionUser | null; loaded: boolean }>({ user: null, loaded: false });

export function hasRole(...roles: Role[]): boolean {
  return !!session.user?.roles.some((r) => roles.includes(r.role));
}

/** Loads the user from the session cookie once (null when not signed in). */
export async function loadSession(): Promise<SessionUser | null> {
  if (session.loaded) return session.user;
  try {
    session.user = await api.get<SessionUser>('/auth/me');
  } catch {
    session.user = null;
  }
  session.loaded = true;
  return session.user;
}

export async function login(username: string, password: string): Promise<SessionUser> {
  const res = await api.post<{ user: SessionUser }>('/auth/login', { username, password });
  session.user = res.user;
  session.loaded = true;
  return res.user;
}

export async function logout(): Promise<void> {
  try {
    await api.post('/auth/logout');
  } finally {
    session.user = null;
  }
}
