import { AssignerProtocol, type GroupDescription } from 'kafkajs';
import type { GroupMember } from '@flow/shared/lag/lag-snapshot';

/**
 * Decodes the members of a described group with their assigned partitions. Only groups of the
 * "consumer" protocol type carry the consumer assignment format; other members get no assignments.
 */
export function toGroupMembers(description: GroupDescription): GroupMember[] {
  return description.members.map((member) => {
    const assignments: GroupMember['assignments'] = [];
    if (description.protocolType === 'consumer' && member.memberAssignment.length > 0) {
      const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      for (const [topic, partitions] of Object.entries(decoded?.assignment ?? {})) {
        assignments.push({ topic, partitions: [...partitions].sort((a, b) => a - b) });
      }
    }
    assignments.sort((a, b) => a.topic.localeCompare(b.topic));
    return { memberId: member.memberId, clientId: member.clientId, clientHost: member.clientHost, assignments };
  });
}
