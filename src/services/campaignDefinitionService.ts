/**
 * Creating, listing, reading, changing and deleting campaigns, for their owners only: another user's campaign is
 * answered as not found. A started campaign is never deleted: it is cancelled, so its call records stay.
 */

import { changedSettings, newSettings, type ResolvedSettings } from '../domain/campaignSettings.ts';
import type { CampaignSettings } from '../generated/campaignSettings.ts';
import { ConflictError, NotFoundError } from '../lib/errors.ts';
import type {
  CampaignDefinition,
  CampaignDefinitionRepository,
} from '../repositories/campaignDefinitionRepository.ts';
import type { CampaignRepository } from '../repositories/campaignRepository.ts';
import type { OwnedCampaign } from './campaignService.ts';

/** A campaign as the API shows it. */
export type CampaignView = { campaignId: string; status: string; createdAt: string } & ResolvedSettings;

export const viewOf = ({ campaignId, status, createdAt, settings }: CampaignDefinition): CampaignView => ({
  campaignId,
  status,
  createdAt,
  ...settings,
});

export interface CampaignDefinitionDeps {
  definitions: CampaignDefinitionRepository;
  /** The campaign's status changes: a started campaign is cancelled as the cancel route cancels it. */
  campaigns: Pick<CampaignRepository, 'transition'>;
  newId: () => string;
}

/** The campaign if `userId` owns it; another user's campaign is not found, like one that does not exist. */
export async function loadOwnedDefinition(
  definitions: Pick<CampaignDefinitionRepository, 'find'>,
  { campaignId, userId }: OwnedCampaign,
): Promise<CampaignDefinition> {
  const campaign = await definitions.find(campaignId);
  if (campaign === undefined || campaign.userId !== userId) throw new NotFoundError('Campaign not found');
  return campaign;
}

export function createCampaignDefinitionService({ definitions, campaigns, newId }: CampaignDefinitionDeps) {
  const owned = (campaign: OwnedCampaign) => loadOwnedDefinition(definitions, campaign);

  return {
    async create(
      userId: string,
      given: CampaignSettings & Pick<ResolvedSettings, 'name' | 'callerId' | 'callFlow'>,
      idempotencyKey?: string,
    ) {
      const settings = newSettings(given);
      const { campaign, created } = await definitions.create(
        { campaignId: newId(), userId, settings },
        idempotencyKey,
      );
      return { campaign: viewOf(campaign), created };
    },

    async list(userId: string, limit: number, cursor?: string) {
      const { campaigns, next } = await definitions.list(userId, limit, cursor);
      return {
        campaigns: campaigns.map((campaign) => ({ ...viewOf(campaign), progress: campaign.progress })),
        ...(next ? { next } : {}),
      };
    },

    async get(campaign: OwnedCampaign) {
      return viewOf(await owned(campaign));
    },

    async update(campaign: OwnedCampaign, patch: CampaignSettings) {
      const current = await owned(campaign);
      const settings = changedSettings(current.settings, current.status, patch);
      const updated = await definitions.update(campaign.campaignId, current.status, settings);
      if (updated === undefined)
        throw new ConflictError('The campaign changed state meanwhile: read it and try again');
      return viewOf(updated);
    },

    async remove(campaign: OwnedCampaign): Promise<'deleted' | 'cancelled'> {
      const current = await owned(campaign);
      if (await definitions.deleteDraft(campaign.campaignId)) return 'deleted';
      // The one cancel path: the same transition as POST .../cancel.
      if (await campaigns.transition(campaign, ['running', 'paused'], 'cancelled')) return 'cancelled';
      throw new ConflictError(`A ${current.status} campaign cannot be deleted or cancelled`);
    },
  };
}

export type CampaignDefinitionService = ReturnType<typeof createCampaignDefinitionService>;
