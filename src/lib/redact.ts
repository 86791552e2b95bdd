/** Masking of free text (error messages) that may carry a phone number, for logs and traces. */
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Masks anything in free text that could be a phone number: 6 or more digits, with spaces, dashes, dots or
 * brackets between them. IPv4 addresses are left as they are: error messages need them.
 */
export function redactPhoneLike(text: string): string {
  // Ids made of hex groups (UUIDs) are kept whole: their digit runs are not numbers.
  return text
    .split(UUID)
    .map((part, index) =>
      index % 2 === 1
        ? part
        : part.replace(/\+?\d[\d\s().-]{4,}\d/g, (match) =>
            match.replace(/\D/g, '').length >= 6 && !IPV4.test(match) ? '[redacted-number]' : match,
          ),
    )
    .join('');
}

const UUID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;
