/**
 * The role codes users hold at an org (`user_roles.role`), stored in English and shown in Chinese. Assignment
 * rules (`fiscal:candidateRoles`) name these codes; domain.md §6.1 maps the typical titles onto them.
 */

/** Role codes, ordered from the desk upwards, then the system roles. */
export const ROLES = [
  'clerk',
  'reviewer',
  'chief',
  'deputy_director',
  'director',
  'process_admin',
  'designer',
  'admin',
] as const;

/** A role code. */
export type Role = (typeof ROLES)[number];

/** Chinese labels of the roles (the title varies by org and level; the label names the common ones). */
export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  clerk: '经办人',
  reviewer: '审核人',
  chief: '处长/科长/股长',
  deputy_director: '分管领导',
  director: '局长/厅长',
  process_admin: '流程管理员',
  designer: '流程设计人员',
  admin: '系统管理员',
};

/**
 * The line-management ranks `OrgDirectory.supervisorChain` climbs, lowest first: a division's or unit's head
 * (处长/科长/股长), the 分管领导, then the 局长 (or 厅长, 单位负责人).
 */
export const SUPERVISOR_RANKS = ['chief', 'deputy_director', 'director'] as const;

/** One of the supervisor ranks. */
export type SupervisorRank = (typeof SUPERVISOR_RANKS)[number];

/** True if `value` is a known role code. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
