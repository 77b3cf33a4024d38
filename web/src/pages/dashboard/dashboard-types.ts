/** Shapes of GET /api/dashboard/overview and /api/dashboard/nodes (server/routes/dashboard.ts). */
export interface StatusCounts {
  running: number;
  completed: number;
  canceled: number;
  rejected: number;
  total: number;
}

export interface OrgRef {
  code: string;
  name: string;
  level: 'province' | 'city' | 'county';
  path: string;
}

export interface Overview {
  scope: OrgRef;
  parent: OrgRef | null;
  roots: OrgRef[];
  byState: StatusCounts;
  byProcess: (StatusCounts & { key: string; name: string | null })[];
  byLevel: { province: number; city: number; county: number };
  byChildOrg: (StatusCounts & {
    code: string;
    name: string;
    level: OrgRef['level'];
    own: boolean;
    drillable: boolean;
    openTasks: number;
    overdueTasks: number;
  })[];
  openTasks: number;
  overdueTasks: number;
  generatedAt: string;
}

export interface NodeStats {
  elementId: string;
  name: string | null;
  completed: number;
  avgDurationMs: number | null;
  p95DurationMs: number | null;
  open: number;
  avgWaitMs: number | null;
  overdue: number;
  heat: number;
}

export interface NodesReport {
  key: string;
  definitionId: string;
  scope: OrgRef;
  nodes: NodeStats[];
}
