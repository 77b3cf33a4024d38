/**
 * Live validation of the designer's draft by the server's own rules (POST /api/deployment/validate runs the
 * engine's loadModel, exactly what a deploy runs), and the Chinese titles of the rules for the problems list.
 */
import { api } from '@/api/client';

export interface ModelProblem {
  readonly elementId: string;
  readonly elementType: string;
  readonly rule: string;
  readonly message: string;
}

export interface ElementChange {
  readonly id: string;
  readonly type: string;
  readonly name: string | null;
}

export interface Validation {
  readonly valid: boolean;
  readonly problems: ModelProblem[];
  readonly processes: {
    key: string;
    name: string | null;
    latestVersion: number | null;
    changes: {
      previousVersion: number | null;
      added: ElementChange[];
      removed: ElementChange[];
      changed: ElementChange[];
      attributesChanged: string[];
      unchanged: boolean;
    };
  }[];
}

export function validateDraft(xml: string): Promise<Validation> {
  return api.post<Validation>('/deployment/validate', { xml });
}

/** The rule's title in the UI language (`designer.rules.<rule>`), or the rule id. */
export function problemLabel(rule: string, t: (key: string) => string, te: (key: string) => boolean): string {
  const key = `designer.rules.${rule}`;
  return te(key) ? t(key) : rule;
}
