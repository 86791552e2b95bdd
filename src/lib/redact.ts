/** Masking of free text (error messages) that may carry a phone number, for logs and traces. */
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Masks anything in free text that could be a phone number: 6 or more digits, with spaces, dashes, dots or
 * brackets between them. IPv4 addresses are left as they are: error messages need them.
 */
export function redactPhoneLike(text: string): string {
  return text.replace(/\+?\d[\d\s().-]{4,}\d/g, (match) =>
    match.replace(/\D/g, '').length >= 6 && !IPV4.test(match) ? '[redacted-number]' : match,
  );
}
