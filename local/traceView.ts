/**
 * The local traces as a web page (`npm run traces -- --html FILE`, and `/local/traces?campaign=ID` under `npm start`,
 * the dashboard's trace link): self-contained, its style inline, no script.
 */
import { duration, flatten, keyFacts, marks, type Trace } from './traceModel.ts';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The traces as one self-contained page: each a waterfall of its spans, faults and errors marked. */
export function tracesPage(traces: Trace[], title = 'Local traces'): string {
  const sections = traces.map((trace) => {
    const span = Math.max(trace.end - trace.start, 1e-6);
    const rows = flatten(trace).map(({ doc, depth }) => {
      const end = doc.end_time ?? doc.start_time;
      const left = (((doc.start_time - trace.start) / span) * 100).toFixed(2);
      const width = Math.max(0.3, ((end - doc.start_time) / span) * 100).toFixed(2);
      const flags = marks(doc);
      const kind = flags.includes('fault') ? 'fault' : flags.length > 0 ? 'error' : 'ok';
      return `<tr class="${kind}"><td style="padding-left:${depth * 16 + 4}px">${escapeHtml(doc.name)}</td>
<td class="ms">${duration(doc.start_time, end)}</td>
<td class="lane"><div class="bar" style="left:${left}%;width:${width}%"></div></td>
<td>${escapeHtml(keyFacts(doc))} ${flags.map((flag) => `<b>${flag}</b>`).join(' ')}</td></tr>`;
    });
    const title = `${trace.id} · ${new Date(trace.start * 1000).toISOString()} · ${duration(trace.start, trace.end)}`;
    return `<h2>${escapeHtml(title)}</h2><table>${rows.join('\n')}</table>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>
body{font:13px system-ui,sans-serif;margin:24px;color:#222}h2{font-size:14px;margin:24px 0 6px}
table{border-collapse:collapse;width:100%}td{padding:2px 6px;border-bottom:1px solid #eee;white-space:nowrap}
td.ms{text-align:right;color:#555}td.lane{width:40%;position:relative}
.bar{position:absolute;top:4px;height:10px;background:#4a90d9;border-radius:2px}
tr.error .bar{background:#e0a800}tr.fault .bar{background:#d9534f}b{color:#d9534f}
</style></head><body><h1>${escapeHtml(title)} (${traces.length})</h1>${sections.join('\n')}</body></html>\n`;
}
