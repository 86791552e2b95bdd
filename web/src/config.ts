/**
 * What the page is told where it is served (config.json): the API's own URL (for the CLI's `--api`) and where its
 * traces are read. On AWS publishDashboard writes it at each deploy; under `npm start` the front door answers it.
 */
export interface PageConfig {
  apiUrl: string;
  traces: { kind: 'xray'; region: string } | { kind: 'local' };
}

let read: Promise<PageConfig | undefined> | undefined;

export function pageConfig(): Promise<PageConfig | undefined> {
  read ??= fetch('config.json')
    .then((answer) => (answer.ok ? (answer.json() as Promise<PageConfig>) : undefined))
    .catch(() => undefined);
  return read;
}

/** X-Ray's filter for a campaign's traces: every function annotates its root with the campaign. */
export const traceFilter = (campaignId: string) =>
  `annotation.campaignId = "${campaignId.replace(/"/g, '')}"`;

/** Where a campaign's traces are shown: the X-Ray console filtered on it, or the local viewer. */
export function traceLink(config: PageConfig, campaignId: string): string {
  if (config.traces.kind === 'local') return `local/traces?campaign=${encodeURIComponent(campaignId)}`;
  const { region } = config.traces;
  return `https://console.aws.amazon.com/xray/home?region=${encodeURIComponent(region)}#/traces?filter=${encodeURIComponent(traceFilter(campaignId))}`;
}
