/**
 * A draft's CSV import: the file goes straight to S3 with the form the API answers (its upload's progress shown as
 * it is sent), then the import's own progress is followed until it ends, with its refused rows' file to download.
 * The file never passes through the API, and no number reaches the page's address.
 */
import type { ImportView } from '../../src/services/importService.ts';
import { ApiProblem, api } from './api.ts';
import { type Child, el } from './dom.ts';

interface Upload {
  url: string;
  fields: Record<string, string>;
  maxBytes: number;
}

/** GET .../imports/{importId} as the API answers it (the service's own type). */
type ImportStatus = ImportView;

const importsPath = (campaignId: string) => `campaigns/${encodeURIComponent(campaignId)}/imports`;
export const importPath = (campaignId: string, importId: string) =>
  `${importsPath(campaignId)}/${encodeURIComponent(importId)}`;

/** Sends the file with the upload form's fields (first, as S3 wants them), reporting the share sent. */
function send(upload: Upload, file: File, onProgress: (share: number) => void): Promise<void> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', file);
  // XMLHttpRequest: fetch does not report an upload's progress.
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', upload.url);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener('load', () =>
      request.status >= 200 && request.status < 300
        ? resolve()
        : reject(
            new Error(
              `The file was refused by the storage (${request.status}): is it too large or too late?`,
            ),
          ),
    );
    request.addEventListener('error', () =>
      reject(new Error('The file could not be sent: the storage cannot be reached.')),
    );
    request.send(form);
  });
}

/** The upload form of a draft. */
export function importForm(campaignId: string): Child[] {
  const file = el('input', {
    type: 'file',
    id: 'import-file',
    accept: '.csv,.txt,text/csv',
    required: '',
    'aria-describedby': 'import-result',
  }) as HTMLInputElement;
  const column = el('input', { type: 'text', id: 'import-column', autocomplete: 'off' }) as HTMLInputElement;
  const bar = el('progress', { id: 'upload-progress', max: '1', value: '0', 'aria-label': 'File sent' });
  bar.hidden = true;
  const result = el('p', { id: 'import-result', role: 'status' });
  const submit = el('button', { type: 'submit' }, 'Upload and import');
  const form = el(
    'form',
    { class: 'settings' },
    el('h1', {}, 'Import contacts from a CSV file'),
    el(
      'p',
      { class: 'muted' },
      'A phone column (phone, mobile, cell, ... or the one you name); optional id, time_zone, us_state, ' +
        'postal_code; every other column is kept as an attribute. Rows that cannot be called are refused, ' +
        'with why, in a file to download when the import ends.',
    ),
    el('div', { class: 'field' }, el('label', { for: 'import-file' }, 'CSV file'), file),
    el(
      'div',
      { class: 'field' },
      el('label', { for: 'import-column' }, 'Phone column (optional)'),
      column,
      el('span', { class: 'hint' }, "Its header, when the file's phone column is not the number to call."),
    ),
    el(
      'div',
      { class: 'controls' },
      submit,
      el('a', { href: `#/campaigns/${encodeURIComponent(campaignId)}` }, 'Back'),
    ),
    bar,
    result,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (chosen === undefined) {
      result.textContent = 'Choose a file first.';
      file.focus();
      return;
    }
    submit.setAttribute('disabled', '');
    try {
      const phoneColumn = column.value.trim();
      const opened = await api<{ importId: string; upload: Upload }>(
        'POST',
        importsPath(campaignId),
        phoneColumn === '' ? {} : { phoneColumn },
      );
      if (chosen.size > opened.upload.maxBytes)
        throw new Error(
          `The file is larger than the ${Math.round(opened.upload.maxBytes / 2 ** 20)} MiB an import takes.`,
        );
      bar.hidden = false;
      await send(opened.upload, chosen, (share) => {
        (bar as HTMLProgressElement).value = share;
        result.textContent = `Sending the file: ${Math.round(share * 100)}%`;
      });
      window.location.hash = `#/${importPath(campaignId, opened.importId)}`;
    } catch (error) {
      result.textContent =
        error instanceof ApiProblem || error instanceof Error ? error.message : String(error);
      submit.removeAttribute('disabled');
    }
  });
  return [form];
}

const STATUS: Record<ImportStatus['status'], string> = {
  waiting: 'Waiting for the file to arrive',
  importing: 'Importing',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** An import as it goes (the page asks again every second until it ends). */
export async function importView(
  campaignId: string,
  importId: string,
  view: { route(): Promise<void> },
): Promise<{ children: Child[]; ended: boolean }> {
  const path = importPath(campaignId, importId);
  const status = await api<ImportStatus>('GET', path);
  const ended = status.status === 'done' || status.status === 'failed' || status.status === 'cancelled';
  const share = status.progress ?? (status.status === 'done' ? 1 : 0);
  const cancel = el(
    'button',
    { type: 'button', 'data-action': 'cancel-import', class: 'secondary' },
    'Stop the import',
  );
  cancel.addEventListener('click', async () => {
    if (!window.confirm('Stop the import? The contacts it added stay.')) return;
    await api('DELETE', path).catch(() => undefined);
    await view.route();
  });
  const children: Child[] = [
    el('h1', {}, 'Import'),
    el(
      'p',
      { id: 'import-status' },
      `${STATUS[status.status]}${ended ? '' : ` (${Math.round(share * 100)}%)`}`,
    ),
    el('progress', { max: '1', value: String(share), 'aria-label': 'File read' }),
    el(
      'dl',
      { class: 'figures', id: 'import-figures' },
      el('dt', {}, 'Rows read'),
      el('dd', {}, String(status.rowsRead)),
      el('dt', {}, 'Added'),
      el('dd', { id: 'import-added' }, String(status.added)),
      el('dt', {}, 'Refused'),
      el('dd', { id: 'import-refused' }, String(status.refused)),
      ...(status.encoding ? [el('dt', {}, 'Encoding'), el('dd', {}, status.encoding)] : []),
      ...(status.phoneColumn ? [el('dt', {}, 'Phone column'), el('dd', {}, status.phoneColumn)] : []),
    ),
    ...(status.error ? [el('p', { class: 'form-error' }, status.error)] : []),
    ...(status.rejects
      ? [
          el(
            'p',
            {},
            el(
              'a',
              { href: status.rejects.url, download: `rejects-${importId}.csv`, id: 'rejects' },
              `Download the ${status.refused} refused rows, with why (CSV)`,
            ),
            ' (the link lasts an hour; fix the rows and import the file as it is)',
          ),
        ]
      : []),
    el(
      'div',
      { class: 'controls' },
      ...(ended ? [] : [cancel]),
      el('a', { href: `#/campaigns/${encodeURIComponent(campaignId)}` }, 'Back to the campaign'),
    ),
  ];
  return { children, ended };
}
