/**
 * What a campaign's owner sees of best time to call (GET /campaigns/{campaignId}/model): the campaign's setting, the
 * owner's model in use (version, training window, rows, held-out metrics, when and why it was promoted), and the
 * contact rate per call placed in each arm, with 95% intervals and the uplift of the model's arm over the control's.
 */
import type { ModelStore } from '../adapters/modelStore.ts';
import { armFigures, uplift } from '../domain/bestTime.ts';
import type { Arm } from '../domain/schedule.ts';
import type { CampaignDefinitionRepository } from '../repositories/campaignDefinitionRepository.ts';
import { loadOwnedDefinition } from './campaignDefinitionService.ts';
import type { OwnedCampaign } from './campaignService.ts';

export interface BestTimeReportDeps {
  definitions: Pick<CampaignDefinitionRepository, 'find'>;
  /** Calls placed (with a result) and answered, per arm of the campaign. */
  armCounts(campaignId: string): Promise<Record<Arm, { calls: number; answered: number }>>;
  models: Pick<ModelStore, 'promotion' | 'model'>;
}

export function createBestTimeReport({ definitions, armCounts, models }: BestTimeReportDeps) {
  return {
    async report(owned: OwnedCampaign) {
      const campaign = await loadOwnedDefinition(definitions, owned);
      const promotion = await models.promotion(campaign.userId);
      const model = promotion && (await models.model(campaign.userId, promotion.version));
      const arms = await armCounts(campaign.campaignId);
      return {
        campaignId: campaign.campaignId,
        bestTimeToCall: campaign.settings.bestTimeToCall,
        model: model
          ? {
              version: model.version,
              trainedAt: model.trainedAt,
              window: model.window,
              rows: model.rows,
              metrics: model.metrics,
              promotedAt: promotion?.promotedAt,
              promotedBecause: promotion?.reason,
            }
          : null,
        arms: { model: armFigures(arms.model), control: armFigures(arms.control) },
        uplift: uplift(arms.model, arms.control),
      };
    },
  };
}
