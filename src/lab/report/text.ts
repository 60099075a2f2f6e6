/** Text for the reports: HTML escaped, numbers at a fixed precision, ratios readably. */

/** Escapes text for HTML content and attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function num(n: number | null, digits: number): string {
  return n === null ? '–' : n.toFixed(digits);
}

/** A ratio readably: 48×, 2.3×, 0.62×. */
export function times(ratio: number): string {
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio >= 1 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}
