/**
 * Cells of a CSV file meant to be opened in a spreadsheet. A cell that starts with `=`, `+`, `-`, `@`, a tab or a
 * carriage return is read as a formula by Excel, LibreOffice and Google Sheets (CSV injection): csv-stringify's
 * `escape_formulas` writes it with a leading apostrophe, so it shows as text (OWASP, "CSV Injection"). A file
 * written so and re-imported after fixing reads its cells back without that apostrophe.
 */
const ESCAPED = /^'[=+\-@\t\r]/;

/** A cell as it was before csv-stringify's `escape_formulas` wrote it. */
export function unescapeCell(value: string): string {
  return ESCAPED.test(value) ? value.slice(1) : value;
}
