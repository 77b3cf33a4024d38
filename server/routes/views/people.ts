/**
 * Who a user id is, for history views: name and org name from the directory, looked up once per request.
 * A user removed from the directory still shows by id.
 */
import type { OrgDirectory } from '../../../processes/org/org-directory.js';

export interface Person {
  readonly userId: string;
  readonly name: string | null;
  readonly orgCode: string | null;
  readonly orgName: string | null;
}

export class PeopleLookup {
  private readonly seen = new Map<string, Promise<Person>>();

  constructor(private readonly orgs: OrgDirectory) {}

  person(userId: string): Promise<Person> {
    let hit = this.seen.get(userId);
    if (!hit) {
      hit = this.load(userId);
      this.seen.set(userId, hit);
    }
    return hit;
  }

  private async load(userId: string): Promise<Person> {
    const user = await this.orgs.getUser(userId);
    if (!user) return { userId, name: null, orgCode: null, orgName: null };
    const org = await this.orgs.getOrg(user.orgCode);
    return { userId, name: user.name, orgCode: user.orgCode, orgName: org?.name ?? null };
  }
}
