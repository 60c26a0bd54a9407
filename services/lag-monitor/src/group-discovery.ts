import type { Admin } from 'kafkajs';
import { FLOW_GROUP_PREFIX } from './lag-monitor-config.ts';

/**
 * Lists the groups to monitor: every group whose id starts with "flow-", plus the configured
 * extra groups, which are reported (as dead) even when the broker does not know them.
 */
export async function discoverGroups(admin: Admin, extraGroups: readonly string[]): Promise<string[]> {
  const { groups } = await admin.listGroups();
  const ids = new Set(groups.map(({ groupId }) => groupId).filter((groupId) => groupId.startsWith(FLOW_GROUP_PREFIX)));
  for (const groupId of extraGroups) ids.add(groupId);
  return [...ids].sort();
}
