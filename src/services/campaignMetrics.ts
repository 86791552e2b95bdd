/**
 * A campaign's metrics for its owner (GET /campaigns/{id}/metrics): the window asked for, its activity read from the
 * stored buckets (src/repositories/metricsRepository.ts), the series and figures worked out by
 * src/domain/campaignMetrics.ts.
 */
import { type CampaignMetrics, campaignMetrics, metricsWindow } from '../domain/campaignMetrics.ts';
import { NotFoundError } from '../lib/errors.ts';
import { traced } from '../lib/tracing.ts';
import type { MetricsRepository } from '../repositories/metricsRepository.ts';
import type { OwnedCampaign } from './campaignService.ts';

export interface MetricsDeps {
  metrics: MetricsRepository;
  now: () => Date;
}

export function createCampaignMetrics({ metrics, now }: MetricsDeps) {
  return {
    async metrics(
      { campaignId, userId }: OwnedCampaign,
      query: { from?: string; to?: string; bucket?: string },
    ): Promise<CampaignMetrics & { campaignId: string }> {
      const window = metricsWindow(query, now());
      const activity = await traced('LoadActivity', () =>
        metrics.activity(campaignId, window.previousFrom, window.to),
      );
      if (activity === undefined || activity.userId !== userId) throw new NotFoundError('Campaign not found');
      return {
        campaignId,
        ...campaignMetrics(window, activity.buckets, activity.before, activity.contacts),
      };
    },
  };
}
