/**
 * Routes. Every page is a lazy import, so each becomes its own chunk: the inbox never loads the designer's
 * bpmn-js Modeler. `meta.nav` puts a page in the shell's menu, `meta.roles` limits it to holders of one of the
 * roles (menu and guard), `meta.public` skips sign-in, `meta.bare` renders without the shell (print view).
 *
 * SPA paths must not collide with server paths: /api, /admin/queues (Bull board), /healthz, /readyz, /metrics.
 * Administration pages therefore live under /system.
 */
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { loadSession, hasRole, type Role } from '@/session';

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean;
    bare?: boolean;
    /** i18n key of the menu entry; absent → not in the menu */
    nav?: string;
    /** Element Plus icon name for the menu */
    icon?: string;
    roles?: Role[];
  }
}

export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/pages/LoginPage.vue'),
    meta: { public: true, bare: true },
  },
  { path: '/', redirect: '/inbox' },
  {
    path: '/inbox',
    name: 'inbox',
    component: () => import('@/pages/InboxPage.vue'),
    meta: { nav: 'nav.inbox', icon: 'Bell' },
  },
  { path: '/task/:id', name: 'task', component: () => import('@/pages/TaskPage.vue'), props: true },
  {
    path: '/start',
    name: 'start',
    component: () => import('@/pages/StartPage.vue'),
    meta: { nav: 'nav.start', icon: 'DocumentAdd' },
  },
  {
    path: '/start/:processKey',
    name: 'start-form',
    component: () => import('@/pages/StartFormPage.vue'),
    props: true,
  },
  {
    path: '/instances',
    name: 'instances',
    component: () => import('@/pages/InstanceListPage.vue'),
    meta: { nav: 'nav.instances', icon: 'Tickets' },
  },
  {
    path: '/instances/:id',
    name: 'instance',
    component: () => import('@/pages/InstancePage.vue'),
    props: true,
  },
  {
    path: '/instances/:id/print',
    name: 'instance-print',
    component: () => import('@/pages/PrintPage.vue'),
    props: true,
    meta: { bare: true },
  },
  {
    path: '/dashboard',
    name: 'dashboard',
    component: () => import('@/pages/dashboard/DashboardPage.vue'),
    meta: {
      nav: 'nav.dashboard',
      icon: 'DataAnalysis',
      // the viewing roles of server/auth/scope.ts (the API scopes the numbers to their org subtree) and admins
      roles: ['reviewer', 'chief', 'deputy_director', 'director', 'process_admin', 'admin'],
    },
  },
  {
    path: '/designer',
    name: 'designer',
    component: () => import('@/pages/designer/DesignerPage.vue'),
    meta: { nav: 'nav.designer', icon: 'Edit', roles: ['designer', 'process_admin', 'admin'] },
  },
  {
    path: '/system',
    name: 'system',
    component: () => import('@/pages/system/SystemPage.vue'),
    meta: { nav: 'nav.admin', icon: 'Setting', roles: ['admin', 'process_admin'] },
  },
  { path: '/:pathMatch(.*)*', redirect: '/inbox' },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  const user = await loadSession();
  if (!user) return { name: 'login', query: { next: to.fullPath } };
  if (to.meta.roles && !hasRole(...to.meta.roles)) return { name: 'inbox' };
  return true;
});
