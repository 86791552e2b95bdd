/**
 * pauseCampaign: POST /campaigns/{campaignId}/pause (REST API, authenticated). Pauses the caller's running campaign: nothing more is released; calls ringing finish and their results are recorded.
 */
import { buildControl, controlDeps } from './shared/campaignControl.ts';

export const build = (deps: Parameters<typeof buildControl>[2]) =>
  buildControl('pause', 'pauseCampaign', deps);

export const handler = build(controlDeps('pauseCampaign'));
