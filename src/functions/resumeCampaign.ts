/**
 * resumeCampaign: POST /campaigns/{campaignId}/resume (REST API, authenticated). Resumes the caller's paused campaign: the scheduler releases its due contacts again from the next tick.
 */
import { buildControl, controlDeps } from './shared/campaignControl.ts';

export const build = (deps: Parameters<typeof buildControl>[2]) =>
  buildControl('resume', 'resumeCampaign', deps);

export const handler = build(controlDeps('resumeCampaign'));
