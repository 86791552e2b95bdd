/**
 * cancelCampaign: POST /campaigns/{campaignId}/cancel (REST API, authenticated). Cancels the caller's campaign for good: nothing more is released, and its open contacts become `cancelled`.
 */
import { buildControl, controlDeps } from './shared/campaignControl.ts';

export const build = (deps: Parameters<typeof buildControl>[2]) =>
  buildControl('cancel', 'cancelCampaign', deps);

export const handler = build(controlDeps('cancelCampaign'));
