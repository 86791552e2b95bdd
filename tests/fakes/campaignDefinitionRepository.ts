/** An in-memory CampaignDefinitionRepository: campaigns by id with their owner, status and settings. */
import type { CampaignStatus } from '../../src/domain/campaign.ts';
import type { ResolvedSettings } from '../../src/domain/campaignSettings.ts';
import type {
  CampaignDefinition,
  CampaignDefinitionRepository,
} from '../../src/repositories/campaignDefinitionRepository.ts';

export function fakeCampaignDefinitionRepository(
  campaigns: readonly CampaignDefinition[] = [],
): CampaignDefinitionRepository & { readonly campaigns: Map<string, CampaignDefinition> } {
  const stored = new Map(campaigns.map((campaign) => [campaign.campaignId, campaign]));
  const keys = new Map<string, string>();
  return {
    campaigns: stored,
    async create({ campaignId, userId, settings }, idempotencyKey) {
      const earlier = idempotencyKey === undefined ? undefined : keys.get(`${userId}:${idempotencyKey}`);
      const found = earlier === undefined ? undefined : stored.get(earlier);
      if (found) return { campaign: found, created: false };
      const campaign = {
        campaignId,
        userId,
        status: 'draft' as const,
        createdAt: new Date(0).toISOString(),
        settings,
      };
      stored.set(campaignId, campaign);
      if (idempotencyKey !== undefined) keys.set(`${userId}:${idempotencyKey}`, campaignId);
      return { campaign, created: true };
    },
    async find(campaignId) {
      return stored.get(campaignId);
    },
    async list(userId, limit, cursor) {
      const mine = [...stored.values()]
        .filter(
          (campaign) => campaign.userId === userId && (cursor === undefined || campaign.campaignId > cursor),
        )
        .sort((a, b) => a.campaignId.localeCompare(b.campaignId));
      // No attempts here: nothing reached.
      const page = mine
        .slice(0, limit)
        .map((campaign) => ({ ...campaign, progress: { contacts: null, reached: 0 } }));
      return { campaigns: page, ...(mine.length > limit ? { next: page.at(-1)?.campaignId } : {}) };
    },
    async update(campaignId: string, status: CampaignStatus, settings: ResolvedSettings) {
      const found = stored.get(campaignId);
      if (found === undefined || found.status !== status) return undefined;
      const updated = { ...found, settings };
      stored.set(campaignId, updated);
      return updated;
    },
    async deleteDraft(campaignId) {
      return stored.get(campaignId)?.status === 'draft' && stored.delete(campaignId);
    },
  };
}
